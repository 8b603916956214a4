#include "config.h"
#include "unit.h"
void
test_ctl_register(void)
{
	(void)unit_suite("ctl");
}
