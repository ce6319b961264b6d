// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Questions into answers (ask.h): the seeds' request objects judged by
 * check.c against the caller's own compiled policy, in the seeds' answer
 * shape ({"result":"DENY","rule":...,"reason":...}) plus the mode in force.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "ask.h"
#include "audit/audit.h"

int ask_parse(const char *body, size_t len, json_t **out, size_t *nq, char *msg, size_t msgsz)
{
	json_error_t jerr;
	json_t *o, *list;

	*out = NULL;
	o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o) {
		snprintf(msg, msgsz, "expected a JSON body: %s (line %d, column %d)", jerr.text,
			 jerr.line, jerr.column);
		return -EINVAL;
	}
	list = json_is_array(o) ? o : json_is_object(o) ? json_object_get(o, "requests") : NULL;
	if (json_is_object(o) && !list) {
		*nq = 1;
	} else if (json_is_array(list)) {
		*nq = json_array_size(list);
		if (!*nq || *nq > ASK_MAX_BATCH) {
			snprintf(msg, msgsz, "expected 1 to %d questions in a batch, found %zu",
				 ASK_MAX_BATCH, *nq);
			json_decref(o);
			return -EINVAL;
		}
	} else {
		snprintf(msg, msgsz,
			 "expected a question {\"action\":...} or a batch {\"requests\":[...]}");
		json_decref(o);
		return -EINVAL;
	}
	*out = o;
	return 0;
}

static json_t *error_json(const char *what)
{
	json_t *o = json_object();

	if (o && json_object_set_new(o, "error", json_string(what))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* One question's answer; an unanswerable question is {"error":...}. */
static json_t *answer_one(const struct ask_policy *p, json_t *q, int root_fd,
			  void (*note)(void *ctx, const struct ask_question *q), void *ctx)
{
	struct ask_question aq = {};
	struct check_result res;
	struct check_req req;
	char what[256];
	json_t *o, *agent;
	int bad;

	what[0] = '\0';
	if (check_parse(q, &req, what, sizeof(what)))
		return error_json(what);
	/*
	 * The asker is an agent, maybe in another mount namespace: nothing is
	 * looked up in this process's files, a bare program name in the asker's.
	 */
	req.lexical = true;
	req.root_fd = root_fd;
	if (check_eval(p->model, p->img, &req, &res, what, sizeof(what)))
		return error_json(what);
	o = check_result_json(p->model, &res, 0);
	if (!o)
		return NULL;
	/* The seeds' own key first in meaning: "result"; "decision" stays, as check prints it. */
	bad = json_object_set_new(o, "result", json_string(res.v.allow ? "ALLOW" : "DENY"));
	/* The assignment's mode: a model is shared by every assignment of its file. */
	bad |= json_object_set_new(
		o, "mode", json_string(p->mode == AG_MODE_SIMULATE ? "simulate" : "enforce"));
	bad |= json_object_set_new(o, "policy", json_string(p->model->name ? p->model->name : ""));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	agent = json_object_get(q, "agent");
	aq.req = &req;
	aq.asked_as = json_is_string(agent) ? json_string_value(agent) : NULL;
	aq.res = &res;
	if (note)
		note(ctx, &aq);
	return o;
}

json_t *ask_answer(const struct ask_policy *p, json_t *request, int root_fd,
		   void (*note)(void *ctx, const struct ask_question *q), void *ctx, int *status)
{
	json_t *list, *results, *out, *a, *q;
	size_t i;

	*status = 200;
	list = json_is_array(request) ? request : json_object_get(request, "requests");
	if (!list) {
		a = answer_one(p, request, root_fd, note, ctx);
		/* A lone question that cannot be answered is a bad request. */
		if (a && json_object_get(a, "error"))
			*status = 400;
		return a;
	}
	results = json_array();
	if (!results)
		return NULL;
	json_array_foreach(list, i, q)
	{
		a = answer_one(p, q, root_fd, note, ctx);
		if (!a || json_array_append_new(results, a)) {
			json_decref(results);
			return NULL;
		}
	}
	out = json_object();
	if (!out || json_object_set_new(out, "results", results)) {
		json_decref(out);
		return NULL;
	}
	return out;
}

void ask_audit_fill(const struct ag_ask_peer *peer, const struct ask_policy *p,
		    const struct ask_question *q, const char *agent, struct audit_ask *out)
{
	const struct check_req *r = q->req;
	const struct check_result *res = q->res;

	memset(out, 0, sizeof(*out));
	out->agent = agent;
	out->cgroup_id = peer->cgroup_id;
	out->pid = peer->pid;
	out->asked_as = q->asked_as;
	out->action = ag_action_name(res->action);
	/* What was judged, as the kernel's records name it (the resolved command, the path). */
	if (res->cls == AG_CLASS_FILE_READ || res->cls == AG_CLASS_FILE_WRITE)
		out->path = res->subject;
	else if (res->cls == AG_CLASS_EXEC)
		out->command = res->subject;
	out->domain = r->action == AG_ACTION_NETWORK ? r->domain : NULL;
	out->ip = r->action == AG_ACTION_NETWORK ? r->ip : NULL;
	out->port = r->action == AG_ACTION_NETWORK ? r->port : -1;
	out->allow = res->v.allow;
	out->simulate = p->mode == AG_MODE_SIMULATE;
	out->rule = res->v.rule < p->model->nrules ? (long)res->v.rule : -1;
	out->rule_name = check_rule_name(res, NULL, 0);
	out->reason = check_reason(p->model, res);
	if (!out->reason)
		out->reason = "";
	out->policy = p->model->name ? p->model->name : "";
	out->policy_sha256 = p->model->sha256;
}
