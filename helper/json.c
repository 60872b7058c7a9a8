#include "json.h"

#include "when.h"

void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		case '\b': fputs("\\b", out); break;
		case '\f': fputs("\\f", out); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

void json_string_or_null(FILE *out, const char *s)
{
	if (s[0] == '\0')
		fputs("null", out);
	else
		json_string(out, s);
}

void json_time(FILE *out, time_t t)
{
	char iso[ISO_TIME_LEN];

	if (t == 0) {
		fputs("null", out);
		return;
	}
	iso_time(t, iso);
	json_string(out, iso);
}
