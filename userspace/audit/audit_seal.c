// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Seal keys: Ed25519 through OpenSSL's EVP interface. key_dir/audit.key
 * (0600) holds "agentgate-audit-key-v1 EPOCH SEEDHEX"; key_dir/audit.pub the
 * epoch-0 public key in hex, the trust root a verifier is given. With forward
 * security the seed evolves one way at every seal (docs/audit.md, "Keys").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "audit.h"
#include "audit_int.h"
#include "util/file.h"

#define KEY_MAGIC "agentgate-audit-key-v1"
#define FS_LABEL "agentgate-audit-fs-v1"

int audit_key_public(const uint8_t seed[32], uint8_t pub[32])
{
	EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	size_t n = 32;
	int err = 0;

	if (!pk)
		return -EIO;
	if (!EVP_PKEY_get_raw_public_key(pk, pub, &n) || n != 32)
		err = -EIO;
	EVP_PKEY_free(pk);
	return err;
}

struct audit_signer {
	EVP_PKEY *key; /* wipes its private half when freed */
};

struct audit_signer *audit_signer_new(const uint8_t seed[32])
{
	struct audit_signer *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	if (!s->key) {
		free(s);
		return NULL;
	}
	return s;
}

void audit_signer_free(struct audit_signer *s)
{
	if (!s)
		return;
	EVP_PKEY_free(s->key);
	free(s);
}

int audit_signer_sign(struct audit_signer *s, const void *msg, size_t len, uint8_t sig[64])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t n = 64;
	int err = -EIO;

	if (ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, s->key) == 1 &&
	    EVP_DigestSign(ctx, sig, &n, msg, len) == 1 && n == 64)
		err = 0;
	EVP_MD_CTX_free(ctx);
	return err;
}

bool audit_sig_ok(const uint8_t pub[32], const void *msg, size_t len, const uint8_t sig[64])
{
	EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = false;

	if (pk && ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pk) == 1)
		ok = EVP_DigestVerify(ctx, sig, 64, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return ok;
}

size_t audit_seal_message(struct abuf *out, const char *log_id, uint64_t seq, const char *prev_hex,
			  const char *time, const char *reason, const char *next_pub_hex)
{
	char num[24];
	size_t prev_at;

	snprintf(num, sizeof(num), "%llu", (unsigned long long)seq);
	abuf_put(out, "agentgate-seal-v1\n", 18);
	abuf_put(out, log_id, strlen(log_id));
	abuf_put(out, "\n", 1);
	abuf_put(out, num, strlen(num));
	abuf_put(out, "\n", 1);
	prev_at = out->len;
	abuf_put(out, prev_hex, strlen(prev_hex));
	abuf_put(out, "\n", 1);
	abuf_put(out, time, strlen(time));
	abuf_put(out, "\n", 1);
	abuf_put(out, reason, strlen(reason));
	abuf_put(out, "\n", 1);
	abuf_put(out, next_pub_hex, strlen(next_pub_hex));
	abuf_put(out, "\n", 1);
	return prev_at;
}

void audit_key_wipe(struct audit_key *k)
{
	OPENSSL_cleanse(k->seed, sizeof(k->seed));
}

void audit_key_evolve(struct audit_key *k)
{
	uint8_t buf[sizeof(FS_LABEL) - 1 + 32], next[32];

	memcpy(buf, FS_LABEL, sizeof(FS_LABEL) - 1);
	memcpy(buf + sizeof(FS_LABEL) - 1, k->seed, 32);
	audit_sha256(buf, sizeof(buf), next);
	OPENSSL_cleanse(buf, sizeof(buf));
	memcpy(k->seed, next, 32);
	OPENSSL_cleanse(next, sizeof(next));
	k->epoch++;
	audit_key_public(k->seed, k->pub);
}

static int write_file_sync(const char *dir, const char *name, const char *text, mode_t mode,
			   bool exclusive)
{
	char tmp[4096], path[4096];
	size_t len = strlen(text);
	int fd, err = 0, dfd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.%d", dir, name, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	errno = 0;
	if (fchmod(fd, mode) < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) < 0)
		err = errno ? -errno : -EIO;
	close(fd);
	/* link() refuses to replace: of two first starts racing, one key wins. */
	if (!err && (exclusive ? link(tmp, path) : rename(tmp, path)) < 0)
		err = -errno;
	unlink(tmp);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return err;
}

static int key_text(const struct audit_key *k, char *out, size_t sz)
{
	char hex[65];

	audit_hex(k->seed, 32, hex);
	snprintf(out, sz, "%s %llu %s\n", KEY_MAGIC, (unsigned long long)k->epoch, hex);
	OPENSSL_cleanse(hex, sizeof(hex));
	return 0;
}

int audit_key_store(const char *key_dir, const struct audit_key *k)
{
	char text[160];
	int err;

	key_text(k, text, sizeof(text));
	err = write_file_sync(key_dir, "audit.key", text, 0600, false);
	OPENSSL_cleanse(text, sizeof(text));
	return err;
}

static int read_small(const char *dir, const char *name, char *buf, size_t sz)
{
	char path[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sz - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return 0;
}

/*
 * Under an exclusive flock of the directory: two first starts racing would
 * otherwise each put their audit.pub in place, and the one whose key lost
 * the link() would leave its own public key as the trust root of the other's.
 * An audit.pub there without an audit.key is a trust root whose key is gone:
 * never replaced silently (-EEXIST), the operator moves it away.
 */
static int key_create(const char *dir)
{
	struct audit_key k = { 0 };
	char text[160], pub[66], path[4096];
	int err, dfd;

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	/* Where the filesystem cannot lock (NFS without local locks), unlocked: the race is rare. */
	while (flock(dfd, LOCK_EX) < 0 && errno == EINTR)
		;
	snprintf(path, sizeof(path), "%s/audit.key", dir);
	err = access(path, F_OK) ? 0 : -EALREADY; /* the other start made it */
	snprintf(path, sizeof(path), "%s/audit.pub", dir);
	if (!err && !access(path, F_OK))
		err = -EEXIST;
	if (!err && RAND_priv_bytes(k.seed, 32) != 1)
		err = -EIO;
	if (!err)
		err = audit_key_public(k.seed, k.pub);
	if (!err) {
		audit_hex(k.pub, 32, pub);
		strcat(pub, "\n");
		key_text(&k, text, sizeof(text));
		/* The public key first: a key file without its trust root would be useless. */
		err = write_file_sync(dir, "audit.pub", pub, 0644, false);
		if (!err)
			err = write_file_sync(dir, "audit.key", text, 0600, true);
		/* A root without its key would refuse every later start: gone again (still locked). */
		if (err && err != -EEXIST)
			unlink(path);
		OPENSSL_cleanse(text, sizeof(text));
	}
	audit_key_wipe(&k);
	close(dfd); /* drops the lock */
	return err == -EALREADY ? 0 : err;
}

const char *audit_open_strerror(int err)
{
	switch (err) {
	case -EBADMSG:
		return "its last complete record is damaged (run `agentgate audit verify`)";
	case -EKEYREJECTED:
		return "the signing key does not belong to this log";
	case -EEXIST:
		return "the key directory holds audit.pub without audit.key (move audit.pub away "
		       "to make a new pair; logs sealed with its key verify only with it)";
	default:
		return strerror(-err);
	}
}

int audit_key_load(const char *key_dir, struct audit_key *k)
{
	char text[160], pub[80], hex[65];
	unsigned long long epoch;
	int err;

	memset(k, 0, sizeof(*k));
	err = read_small(key_dir, "audit.key", text, sizeof(text));
	if (err == -ENOENT) {
		err = mkdir_p(key_dir, 0755, 0700);
		if (!err)
			err = key_create(key_dir);
		if (!err)
			err = read_small(key_dir, "audit.key", text, sizeof(text));
	}
	if (err)
		return err;
	if (sscanf(text, KEY_MAGIC " %llu %64s", &epoch, hex) != 2 ||
	    audit_unhex(hex, strlen(hex), k->seed, 32)) {
		OPENSSL_cleanse(text, sizeof(text));
		return -EBADMSG;
	}
	OPENSSL_cleanse(text, sizeof(text));
	OPENSSL_cleanse(hex, sizeof(hex));
	k->epoch = epoch;
	err = audit_key_public(k->seed, k->pub);
	if (!err)
		err = read_small(key_dir, "audit.pub", pub, sizeof(pub));
	if (!err && audit_unhex(pub, strcspn(pub, "\n"), k->root, 32))
		err = -EBADMSG;
	if (err)
		audit_key_wipe(k);
	return err;
}

int audit_key_ensure(const char *key_dir)
{
	struct audit_key k;
	int err = audit_key_load(key_dir ? key_dir : AUDIT_DEFAULT_KEY_DIR, &k);

	audit_key_wipe(&k);
	return err;
}

int audit_key_pubkey_hex(const char *key_dir, char out[65])
{
	char pub[80];
	uint8_t raw[32];
	int err = read_small(key_dir ? key_dir : AUDIT_DEFAULT_KEY_DIR, "audit.pub", pub,
			     sizeof(pub));

	if (err)
		return err;
	if (audit_unhex(pub, strcspn(pub, "\n"), raw, 32))
		return -EBADMSG;
	audit_hex(raw, 32, out);
	return 0;
}
