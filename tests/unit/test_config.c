#include "config.h"
#include "unit.h"
void
test_config_register(void)
{
	(void)unit_suite("config");
}
