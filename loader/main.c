// SPDX-License-Identifier: GPL-2.0-only
/* Placeholder until the command table lands. */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "v4via6: not built yet\n");
	return 1;
}
