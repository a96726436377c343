/* SPDX-License-Identifier: GPL-2.0-only */
/* The number of elements of an array (not of a pointer), as the kernel's ARRAY_SIZE. */
#ifndef V4VIA6_ARRAY_SIZE_H
#define V4VIA6_ARRAY_SIZE_H

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#endif /* V4VIA6_ARRAY_SIZE_H */
