/* tlsscope rules: the rule table, for people and for scripts. */
#include "cli/cli.h"

#include <getopt.h>
#include <string.h>

#include "report/jsonw.h"
#include "rules/rules.h"

static const char rules_usage[] =
    "usage: tlsscope rules [--format text|json] [RULE-ID...]\n"
    "\n"
    "List every rule: id, usual severity, title and why it matters. Given rule\n"
    "ids, print those rules with their fix and the IBM MQ message they\n"
    "usually show up as. Rules are turned off with 'disable = ID, ...' in a\n"
    "--policy file; docs/rules.md has a worked example for each. Exit status 0,\n"
    "2 on usage errors, 3 when an id is unknown.\n";

/* wrap - text folded at 78 columns, each line indented by `indent`. */
static void wrap(const char *text, int indent)
{
    int col = 0;
    for (const char *p = text; *p;) {
        int word = (int)strcspn(p, " ");
        if (col && col + 1 + word > 78 - indent) {
            fputc('\n', stdout);
            col = 0;
        }
        if (!col)
            printf("%*s", indent, "");
        else
            fputc(' ', stdout), col++;
        col += printf("%.*s", word, p);
        p += word;
        while (*p == ' ')
            p++;
    }
    fputc('\n', stdout);
}

static void text_rule(size_t i, bool full)
{
    const struct rule_info *ri = rules_at(i);
    const char *fix, *mq;
    rules_advice(i, &fix, &mq);
    printf("%-28s %-6s %s%s\n", ri->id, severity_name(ri->severity), ri->title,
           ri->capture_wide ? " (capture-wide)" : "");
    wrap(ri->rationale, 4);
    if (!full)
        return;
    if (fix) {
        printf("    fix:\n");
        wrap(fix, 6);
    }
    if (mq)
        printf("    MQ: %s\n", mq);
}

static void json_rule(struct jw *w, size_t i)
{
    const struct rule_info *ri = rules_at(i);
    const char *fix, *mq;
    rules_advice(i, &fix, &mq);
    jw_obj(w);
    jw_key_str(w, "type", "rule");
    jw_key_str(w, "id", ri->id);
    jw_key_str(w, "severity", severity_name(ri->severity));
    jw_key_str(w, "title", ri->title);
    jw_key_str(w, "rationale", ri->rationale);
    jw_key_str(w, "fix", fix);
    jw_key_str(w, "mq", mq);
    jw_key_bool(w, "capture_wide", ri->capture_wide);
    jw_obj_end(w);
    jw_end_line(w);
}

static bool index_of(const char *id, size_t *out)
{
    for (size_t i = 0; i < rules_count(); i++)
        if (strcmp(rules_at(i)->id, id) == 0) {
            *out = i;
            return true;
        }
    return false;
}

int cmd_rules(int argc, char **argv)
{
    static const struct option longs[] = {
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    bool json = false;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "f:h", longs, NULL)) != -1) {
        if (c == 'h') {
            fputs(rules_usage, stdout);
            return EXIT_OK;
        }
        if (c == 'f' && (strcmp(optarg, "json") == 0 || strcmp(optarg, "text") == 0)) {
            json = strcmp(optarg, "json") == 0;
            continue;
        }
        if (c != 'f')
            return cli_bad_option("rules", "f:h", argv);
        cli_error("rules: unknown format '%s' (text or json)", optarg);
        return EXIT_USAGE;
    }
    /* every id is checked before anything is printed */
    for (int a = optind; a < argc; a++) {
        size_t i;
        if (!index_of(argv[a], &i)) {
            cli_error("rules: no rule '%s' (tlsscope rules lists them)", argv[a]);
            return EXIT_INPUT;
        }
    }
    struct jw w;
    jw_init(&w, stdout);
    if (optind == argc) {
        for (size_t i = 0; i < rules_count(); i++) {
            if (json)
                json_rule(&w, i);
            else
                text_rule(i, false);
        }
        return EXIT_OK;
    }
    for (int a = optind; a < argc; a++) {
        size_t i = 0;
        index_of(argv[a], &i);
        if (json)
            json_rule(&w, i);
        else {
            text_rule(i, true);
            if (a + 1 < argc)
                fputc('\n', stdout);
        }
    }
    return EXIT_OK;
}
