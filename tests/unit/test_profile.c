#include "config.h"
#include "unit.h"
void
test_profile_register(void)
{
	(void)unit_suite("profile");
}
