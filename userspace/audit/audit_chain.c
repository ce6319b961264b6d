// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The hash chain (hash = SHA-256(prev || canonical record)), hex, time, and log file reading. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include "audit_int.h"

struct audit_hasher {
	EVP_MD_CTX *ctx;
	EVP_MD *md;
};

struct audit_hasher *audit_hasher_new(void)
{
	struct audit_hasher *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	/* Fetched once: per-call implicit fetches cost more than hashing a record. */
	h->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	h->ctx = EVP_MD_CTX_new();
	if (!h->md || !h->ctx) {
		audit_hasher_free(h);
		return NULL;
	}
	return h;
}

void audit_hasher_free(struct audit_hasher *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	EVP_MD_free(h->md);
	free(h);
}

int audit_chain_hash(struct audit_hasher *h, const uint8_t prev[32], const char *canon, size_t len,
		     uint8_t out[32])
{
	if (!EVP_DigestInit_ex(h->ctx, h->md, NULL) || !EVP_DigestUpdate(h->ctx, prev, 32) ||
	    !EVP_DigestUpdate(h->ctx, canon, len) || !EVP_DigestFinal_ex(h->ctx, out, NULL))
		return -EIO;
	return 0;
}

int audit_chain_fill(struct audit_hasher *h, uint8_t head[32], const char *head_hex, char *line,
		     size_t len)
{
	/* Canonical form: the line up to ,"hash":"...", with '}' for its ','. It ends "prev":"<64>"}. */
	size_t clen = len - AUDIT_HASH_SUFFIX_LEN;
	uint8_t hash[32];
	char hex[65];
	int err;

	memcpy(line + clen - 66, head_hex, 64);
	line[clen - 1] = '}';
	err = audit_chain_hash(h, head, line, clen, hash);
	line[clen - 1] = ',';
	if (err)
		return err;
	audit_hex(hash, 32, hex);
	memcpy(AUDIT_LINE_HASH_HEX(line, len), hex, 64);
	memcpy(head, hash, 32);
	return 0;
}

int audit_sha256(const void *data, size_t len, uint8_t out[32])
{
	return EVP_Digest(data, len, out, NULL, EVP_sha256(), NULL) ? 0 : -EIO;
}

void audit_line_finish_hex(struct abuf *out, size_t start, const char hash_hex[64])
{
	char *o;

	if (out->oom || out->len <= start)
		return;
	/* In place, not through a stack copy: every record the writer appends ends here. */
	abuf_reserve(out, AUDIT_HASH_SUFFIX_LEN);
	if (out->oom)
		return;
	o = out->p + out->len - 1; /* over the record's closing brace */
	memcpy(o, ",\"hash\":\"", 9);
	memcpy(o + 9, hash_hex, 64);
	memcpy(o + 73, "\"}\n", 3);
	out->len += AUDIT_HASH_SUFFIX_LEN;
}

void audit_line_finish(struct abuf *out, size_t start, const uint8_t hash[32])
{
	char hex[65];

	audit_hex(hash, 32, hex);
	audit_line_finish_hex(out, start, hex);
}

static void digits(char *p, unsigned int v, int n)
{
	while (n--) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

void audit_time_format(int64_t ns, char out[32])
{
	static __thread char cache[32];
	static __thread int64_t cache_sec;
	static __thread bool cache_valid;
	int64_t s = ns / 1000000000, frac = ns % 1000000000;
	time_t t;
	struct tm tm;

	if (frac < 0) {
		frac += 1000000000;
		s--;
	}
	/* gmtime_r takes glibc's timezone lock: reuse the date while the second is the same. */
	if (!cache_valid || s != cache_sec) {
		t = (time_t)s;
		gmtime_r(&t, &tm);
		/* YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ */
		memcpy(cache, "0000-00-00T00:00:00.000000000Z", 31);
		digits(cache, (unsigned int)(tm.tm_year + 1900) % 10000, 4);
		digits(cache + 5, (unsigned int)tm.tm_mon + 1, 2);
		digits(cache + 8, (unsigned int)tm.tm_mday, 2);
		digits(cache + 11, (unsigned int)tm.tm_hour, 2);
		digits(cache + 14, (unsigned int)tm.tm_min, 2);
		digits(cache + 17, (unsigned int)tm.tm_sec, 2);
		cache_sec = s;
		cache_valid = true;
	}
	memcpy(out, cache, 31);
	digits(out + 20, (unsigned int)frac, 9);
}

int audit_lines_read(const char *path, struct audit_lines *l)
{
	size_t cap = 0, pos = 0, start;
	struct stat st;
	ssize_t n;
	int fd, err = 0;

	memset(l, 0, sizeof(*l));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto out;
	}
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	cap = (size_t)st.st_size + 1;
	l->data = malloc(cap);
	if (!l->data) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		if (pos + 1 >= cap) {
			char *p = realloc(l->data, cap * 2);

			if (!p) {
				err = -ENOMEM;
				goto out;
			}
			l->data = p;
			cap *= 2;
		}
		n = read(fd, l->data + pos, cap - 1 - pos);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto out;
		}
		if (!n)
			break;
		pos += (size_t)n;
	}
	l->size = pos;
	l->data[pos] = 0;
	for (start = 0; start < pos;) {
		char *nl = memchr(l->data + start, '\n', pos - start);

		if (!nl)
			break;
		if (l->n % 1024 == 0) {
			size_t *o = realloc(l->off, (l->n + 1024) * sizeof(size_t));
			size_t *ln = o ? realloc(l->len, (l->n + 1024) * sizeof(size_t)) : NULL;

			if (o)
				l->off = o;
			if (!ln) {
				err = -ENOMEM;
				goto out;
			}
			l->len = ln;
		}
		l->off[l->n] = start;
		l->len[l->n++] = (size_t)(nl - (l->data + start));
		start = (size_t)(nl - l->data) + 1;
	}
	l->tail_off = start;
	l->tail_len = pos - start;
out:
	close(fd);
	if (err)
		audit_lines_free(l);
	return err;
}

void audit_lines_free(struct audit_lines *l)
{
	free(l->data);
	free(l->off);
	free(l->len);
	memset(l, 0, sizeof(*l));
}
