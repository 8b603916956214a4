#include "config.h"
#include "unit.h"
void
test_util_register(void)
{
	(void)unit_suite("util");
}
