#include "config.h"
#include "unit.h"
void
test_log_register(void)
{
	(void)unit_suite("log");
}
