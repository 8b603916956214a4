/*
 * profile.h: phone quirk profiles. The built-in ones are a table of data
 * (see quirks.md); [profile NAME] sections change or extend them, and
 * profile_match() picks the one for a User-Agent.
 */
#ifndef SIPEDGE_PROFILE_H
#define SIPEDGE_PROFILE_H

#include <stddef.h>

#include "edge_config.h"

#define PROFILE_DEFAULT		"default"	/* the built-in catch-all */

/* Number of built-in profiles; the default profile is the last. */
size_t			 profile_builtin_count(void);
/* Index of the built-in profile called name, or -1. */
int			 profile_builtin_find(const char *name);
/* A fresh copy of built-in profile i, for a configuration to own. */
struct config_profile	*profile_builtin_new(size_t i);
/* A new operator profile: the default's behaviour, no patterns yet. */
struct config_profile	*profile_new(const char *name);
void			 profile_free(struct config_profile *);
/*
 * The profile for a User-Agent: the first in cf->profiles (operator ones,
 * then built-ins) with a pattern that matches, ignoring case; a profile
 * without patterns (the default) matches anything. NULL matches only it.
 */
const struct config_profile *profile_match(const struct config *,
			    const char *user_agent);

#endif
