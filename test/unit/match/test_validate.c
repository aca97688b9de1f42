/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/match validator and masking tests: for each validator, values that
 * must pass and near misses that must not; every value is also checked
 * from an exact-size heap copy so that the sanitizers see a read past @n.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cmocka needs the headers above first */
// clang-format off
#include <cmocka.h>
// clang-format on

#include <ar_match.h>

static bool
validate(enum ar_validator v, const char *s)
{
	size_t n = strlen(s);
	char *copy = malloc(n ? n : 1);
	bool ok;

	assert_non_null(copy);
	memcpy(copy, s, n);
	ok = ar_validate(v, copy, n);
	free(copy);
	return ok;
}

static void
check_all(enum ar_validator v, const char *const *good, size_t ngood, const char *const *bad,
	  size_t nbad)
{
	for (size_t i = 0; i < ngood; i++)
		if (!validate(v, good[i]))
			fail_msg("%s: \"%s\" should pass", ar_validator_name(v), good[i]);
	for (size_t i = 0; i < nbad; i++)
		if (validate(v, bad[i]))
			fail_msg("%s: \"%s\" should not pass", ar_validator_name(v), bad[i]);
}

#define CHECK(v, good, bad)                                                                        \
	check_all(v, good, sizeof(good) / sizeof(good[0]), bad, sizeof(bad) / sizeof(bad[0]))

static void
test_names_round_trip(void **state)
{
	static const char *const names[] = { "luhn",      "cn_id", "iban",        "us_ssn",
					     "cn_mobile", "e164",  "email",       "ipv4",
					     "ipv6",      "jwt",   "private_key", "entropy" };

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		enum ar_validator v = ar_validator_by_name(names[i]);
		assert_int_equal(v, (enum ar_validator)(AR_VAL_LUHN + i));
		assert_string_equal(ar_validator_name(v), names[i]);
	}
	assert_int_equal(ar_validator_by_name("LUHN"), AR_VAL_NONE);
	assert_int_equal(ar_validator_by_name("luhn "), AR_VAL_NONE);
	assert_int_equal(ar_validator_by_name(""), AR_VAL_NONE);
	assert_int_equal(ar_validator_by_name(NULL), AR_VAL_NONE);
	assert_string_equal(ar_validator_name(AR_VAL_NONE), "none");
	assert_string_equal(ar_validator_name(AR_VAL_MAX), "unknown");
	assert_true(ar_validate(AR_VAL_NONE, "anything", 8));
	assert_false(ar_validate(AR_VAL_MAX, "4111111111111111", 16));
}

static void
test_luhn(void **state)
{
	static const char *const good[] = {
		"4111111111111111", "4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005",
		"6011111111111117", "4222222222222",       "4012888888881881",
	};
	static const char *const bad[] = {
		"4111111111111112",     "4111 1111 1111 1110",  "5500-0000-0000-0005",
		"378282246310006",      "411111111111", /* 12 digits */
		"41111111111111111113",                 /* 20 digits */
		"0000000000000000",     "4111  1111 1111 1111", " 4111111111111111",
		"4111111111111111-",    "4111x111111111111",    "",
	};

	(void)state;
	CHECK(AR_VAL_LUHN, good, bad);
}

static void
test_cn_id(void **state)
{
	static const char *const good[] = {
		"11010519491231002X", "11010519491231002x", "440306199001010014",
		"110105200002290021", /* 29 Feb 2000 */
	};
	static const char *const bad[] = {
		"110105194912310021", /* wrong check character */
		"11010519491231003X", /* one digit off */
		"110105194902300020", /* 30 Feb, right checksum */
		"110105190002290025", /* 29 Feb 1900, not a leap year */
		"440306199013120018", /* month 13 */
		"990105194912310023", /* no province 99 */
		"110105189912310023", /* born 1899 */
		"11010519491231002",  /* 17 characters */
		"11010519491231002X1", "1101051949123100AX",
	};

	(void)state;
	CHECK(AR_VAL_CN_ID, good, bad);
}

static void
test_iban(void **state)
{
	static const char *const good[] = {
		"GB82WEST12345698765432",      "DE89370400440532013000",
		"GB82 WEST 1234 5698 7654 32", "FR1420041010050500013M02606",
		"NL91ABNA0417164300",          "NO9393860111179",
		"gb82west12345698765432",
	};
	static const char *const bad[] = {
		"GB83WEST12345698765432",  /* wrong check digits */
		"DE88370400440532013000",  /* wrong check digits */
		"GB82WEST12345698765433",  /* one digit off */
		"DE5137040044053201300",   /* right checksum, 21 characters for DE */
		"GB49WEST123456987654321", /* right checksum, 23 characters for GB */
		"XX57WEST12345698765432",  /* right checksum, no such country */
		"GB82WEST1234569876543_",  "GB82  WEST12345698765432", "GB",
	};

	(void)state;
	CHECK(AR_VAL_IBAN, good, bad);
}

static void
test_us_ssn(void **state)
{
	static const char *const good[] = { "123-45-6789", "123456789", "123 45 6789",
					    "665-01-0001", "899-99-9999" };
	static const char *const bad[] = {
		"000-12-3456", "666-12-3456", "900-12-3456", "999-45-6789", "123-00-4567",
		"123-45-0000", "123-45-678",  "123-456789",  "123-45 6789", "12a-45-6789",
	};

	(void)state;
	CHECK(AR_VAL_US_SSN, good, bad);
}

static void
test_cn_mobile(void **state)
{
	static const char *const good[] = { "13812345678",     "+8613812345678", "008613812345678",
					    "+86 13812345678", "138-1234-5678",  "19912345678" };
	static const char *const bad[] = {
		"12812345678",  /* 12x is not a mobile prefix */
		"1381234567",   /* 10 digits */
		"138123456789", /* 12 digits */
		"23812345678",  "+8612812345678", "+85213812345678", "1381-234-5678", "+86",
	};

	(void)state;
	CHECK(AR_VAL_CN_MOBILE, good, bad);
}

static void
test_e164(void **state)
{
	static const char *const good[] = { "+14155552671", "+447911123456", "+8613812345678",
					    "+33123456789", "+35312345678" };
	static const char *const bad[] = {
		"+99912345678",      /* 999 is not assigned */
		"+2812345678",       /* 28 is not assigned */
		"+1415555",          /* 7 digits */
		"+1234567890123456", /* 16 digits */
		"14155552671",       "+0123456789", "+1 415 555 2671", "+",
	};

	(void)state;
	CHECK(AR_VAL_E164, good, bad);
}

static void
test_email(void **state)
{
	static const char *const good[] = { "john.doe@example.com", "a@b.co",
					    "first+tag@sub.example.org", "x_y-z@mail-server.io",
					    "user@xn--80ak6aa92e.xn--p1ai" };
	static const char *const bad[] = {
		"john.doe@example",  "john..doe@example.com", ".john@example.com",
		"john.@example.com", "@example.com",          "john@",
		"john@-example.com", "john@example-.com",     "john@example.c",
		"john@@example.com", "john doe@example.com",  "john@exa_mple.com",
		"john@example.123",
	};
	char longlocal[80];

	(void)state;
	CHECK(AR_VAL_EMAIL, good, bad);
	memset(longlocal, 'a', 65);
	strcpy(longlocal + 65, "@example.com");
	assert_false(validate(AR_VAL_EMAIL, longlocal));
	strcpy(longlocal + 64, "@example.com");
	assert_true(validate(AR_VAL_EMAIL, longlocal + 0));
}

static void
test_ipv4(void **state)
{
	static const char *const good[] = { "192.168.1.1", "0.0.0.0", "255.255.255.255",
					    "10.0.10.100" };
	static const char *const bad[] = { "256.1.1.1",  "01.2.3.4", "1.2.3",    "1.2.3.4.5",
					   "1.2.3.04",   "1..2.3",   "1.2.3.4 ", "1.2.3.-4",
					   "1234.1.1.1", "a.b.c.d" };

	(void)state;
	CHECK(AR_VAL_IPV4, good, bad);
}

static void
test_ipv6(void **state)
{
	static const char *const good[] = { "::1", "2001:db8::1", "fe80::1ff:fe23:4567:890a",
					    "::ffff:192.0.2.1",
					    "2001:0db8:0000:0000:0000:0000:0000:0001" };
	static const char *const bad[] = { "2001:db8:::1",      "12345::1", "2001:db8::g",
					   "1:2:3:4:5:6:7:8:9", "::1 ",     "" };

	(void)state;
	CHECK(AR_VAL_IPV6, good, bad);
	/* a NUL inside the match does not end it */
	assert_false(ar_validate(AR_VAL_IPV6, "::1\0zz", 6));
}

static void
test_jwt(void **state)
{
	static const char *const good[] = {
		"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4g"
		"RG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
		/* {"alg":"none"}, unsecured: empty signature */
		"eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.",
	};
	static const char *const bad[] = {
		/* three random base64url parts */
		"dGhpcyBpcyBub3Q.YSBqd3QgYXQgYWxs.c2lnbmF0dXJl",
		"Zm9vYmFy.YmF6cXV4.cXV1eA",
		"QUJDREVGR0g.SUpLTE1OT1A.UVJTVFVWV1g",
		/* {"typ":"JWT"}: no alg */
		"eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiIxIn0.c2ln",
		/* padding, a bad character, two parts, four parts, empty payload */
		"eyJhbGciOiJub25lIn0=.eyJzdWIiOiIxIn0.c2ln",
		"eyJhbGciOiJub25lIn0.eyJzdWIiOi*xIn0.c2ln",
		"eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0",
		"eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.c2ln.c2ln",
		"eyJhbGciOiJub25lIn0..c2ln",
	};

	(void)state;
	CHECK(AR_VAL_JWT, good, bad);
}

static void
test_private_key(void **state)
{
	static const char *const good[] = {
		"-----BEGIN PRIVATE KEY-----",
		"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA",
		"-----BEGIN EC PRIVATE KEY-----",
		"-----BEGIN OPENSSH PRIVATE KEY-----",
		"-----BEGIN ENCRYPTED PRIVATE KEY-----",
		"-----BEGIN PGP PRIVATE KEY BLOCK-----",
	};
	static const char *const bad[] = {
		"-----BEGIN PUBLIC KEY-----",      "-----BEGIN CERTIFICATE-----",
		"-----BEGIN RSA PRIVATE KEY",      "-----BEGIN RSAPRIVATE KEY-----",
		"BEGIN RSA PRIVATE KEY-----",      "-----END RSA PRIVATE KEY-----",
		"-----BEGIN rsa private key-----", "-----BEGIN PGP PUBLIC KEY BLOCK-----",
	};

	(void)state;
	CHECK(AR_VAL_PRIVATE_KEY, good, bad);
}

static void
test_entropy(void **state)
{
	static const char *const good[] = {
		"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", /* AWS secret key format */
		"sk_live_4eC39HqLyjWDarjtT1zdp7dc", "Zx9Qm2Lr7VbT4nKp",
		"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b", /* hex digest */
	};
	static const char *const bad[] = {
		"aaaaaaaaaaaaaaaaaaaa",
		"correcthorsebatterystaple",
		"internationalization",
		"SuperSecretPassword1",
		"PasswordPassword123",
		"HelloWorldFooBar2024",
		"ThisIsMyPasswordForTheServer",
		"YOUR_SECRET_KEY_HERE_PLEASE",
		"Ab1Ab1Ab1Ab1Ab1Ab1Ab1Ab1",
		"kqzjxwvmtpbrhsdfgnlc",           /* random, but lower case only */
		"Zx9Qm2Lr7VbT4nK",                /* 15 characters */
		"wJalrXUtnFEMI K7MDENG bPxRfiCY", /* spaces are not token characters */
	};

	(void)state;
	CHECK(AR_VAL_ENTROPY, good, bad);
}

/* ---- masking ---------------------------------------------------------- */

static void
check_mask(const char *in, size_t cap, const char *want)
{
	char *out = malloc(cap ? cap : 1);
	size_t n;

	assert_non_null(out);
	n = ar_mask(in, strlen(in), out, cap);
	if (cap > 0) {
		assert_string_equal(out, want);
		assert_int_equal(n, strlen(want));
	} else {
		assert_int_equal(n, 0);
	}
	free(out);
}

static void
test_mask_long_values_keep_three_and_four(void **state)
{
	(void)state;
	check_mask("13812345678", 64, "138****5678");
	check_mask("4111111111111111", 64, "411*********1111");
	check_mask("GB82WEST12345698765432", 64, "GB8***************5432");
}

static void
test_mask_email_keeps_first_and_domain(void **state)
{
	(void)state;
	check_mask("john.doe@example.com", 64, "j*******@example.com");
	check_mask("a@example.com", 64, "a@example.com");
	check_mask("ab@x.io", 64, "a*@x.io");
}

static void
test_mask_short_values(void **state)
{
	(void)state;
	check_mask("abc", 64, "a*c");
	check_mask("1234567890", 64, "1********0");
	check_mask("ab", 64, "**");
	check_mask("a", 64, "*");
	check_mask("", 64, "");
	/* a trailing or leading '@' is no e-mail */
	check_mask("abc@", 64, "a**@");
}

static void
test_mask_utf8_characters_stay_whole(void **state)
{
	(void)state;
	/* "éab" is three characters: é kept whole */
	check_mask("\xC3\xA9"
		   "ab",
		   64, "\xC3\xA9*b");
	/* "ü@x.de" */
	check_mask("\xC3\xBC@x.de", 64, "\xC3\xBC@x.de");
	/* no room for the whole é: cut before it */
	check_mask("\xC3\xA9"
		   "ab",
		   2, "");
}

static void
test_mask_cut_at_cap(void **state)
{
	(void)state;
	check_mask("13812345678", 6, "138**");
	check_mask("13812345678", 1, "");
	check_mask("13812345678", 0, "");
	check_mask("john.doe@example.com", 12, "j*******@ex");
	check_mask("abc", 3, "a*");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_round_trip),
		cmocka_unit_test(test_luhn),
		cmocka_unit_test(test_cn_id),
		cmocka_unit_test(test_iban),
		cmocka_unit_test(test_us_ssn),
		cmocka_unit_test(test_cn_mobile),
		cmocka_unit_test(test_e164),
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_jwt),
		cmocka_unit_test(test_private_key),
		cmocka_unit_test(test_entropy),
		cmocka_unit_test(test_mask_long_values_keep_three_and_four),
		cmocka_unit_test(test_mask_email_keeps_first_and_domain),
		cmocka_unit_test(test_mask_short_values),
		cmocka_unit_test(test_mask_utf8_characters_stay_whole),
		cmocka_unit_test(test_mask_cut_at_cap),
	};

	return cmocka_run_group_tests_name("match_validate", tests, NULL, NULL);
}
