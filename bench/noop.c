/* SPDX-License-Identifier: BSD-2-Clause */
/* The floor's do-nothing helper: installed setuid root, like apikey-helper,
 * it only starts and exits 0 (HELPER_OK). */
int main(void)
{
	return 0;
}
