/*
** test_slurm.c — `lpsim sweep --slurm` on a real one-node Slurm cluster
** (scripts/slurm-local.sh: Debian's slurm-wlm and munge, started in a
** scratch folder and stopped by the pids it started): the sharded sweep as
** a 3-task job array, merged with --wait, equals the unsharded sweep row for
** row. Needs root, as slurmd does; without it the test fails (never skips).
*/
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lp_test.h"
#include "test_results_int.h"

static void test_job_array_merges_to_the_unsharded_rows(void)
{
    CU_ASSERT_EQUAL_FATAL(geteuid(), 0); /* a Slurm node runs its jobs as their user: root here */
    char dir[] = "/tmp/lpt_slurm_XXXXXX", cmd[1024], path[512];
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(cmd, sizeof cmd, "'%s/scripts/slurm-local.sh' start '%s/cluster' >'%s/start.log' 2>&1", LPSIM_SOURCE_DIR,
             dir, dir);
    int started = system(cmd);
    if (started) {
        snprintf(cmd, sizeof cmd, "cat '%s/start.log' >&2", dir);
        CU_ASSERT_EQUAL(system(cmd), 0);
    }
    CU_ASSERT_EQUAL(started, 0);
    snprintf(path, sizeof path, "%s/cluster/slurm.conf", dir);
    setenv("SLURM_CONF", path, 1);
    snprintf(path, sizeof path, "%s/s.yaml", dir);
    lpt_write_file(path, lpt_sweep_text);
    char *out = NULL, *err = NULL;
    if (!started) {
        snprintf(cmd, sizeof cmd, "sweep %s --slurm --array 3 --wait -j 1 --timing-only --db %s/s.db", path, dir);
        int rc = lpt_run(cmd, "", 0, &out, &err);
        if (rc) fprintf(stderr, "\n  %s\n%s%s", cmd, out, err);
        CU_ASSERT_EQUAL(rc, 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "merged 3 shards"));
        free(out), free(err);
        /* the script stays beside the database, for users to edit and resubmit */
        snprintf(cmd, sizeof cmd, "%s/s.db.sbatch", dir);
        char *script = lpt_read_file(cmd, NULL);
        CU_ASSERT_PTR_NOT_NULL(script);
        CU_ASSERT_PTR_NOT_NULL(script ? strstr(script, "#SBATCH --array=0-2\n") : NULL);
        CU_ASSERT_PTR_NOT_NULL(script ? strstr(script, "--shard \"${SLURM_ARRAY_TASK_ID}/${SLURM_ARRAY_TASK_COUNT}\"")
                                      : NULL);
        free(script);
        snprintf(cmd, sizeof cmd, "sweep %s -j 2 --timing-only --db %s/u.db", path, dir);
        CU_ASSERT_EQUAL(lpt_run(cmd, "", 0, &out, &err), 0);
        free(out), free(err);
        char a[600], b[600];
        snprintf(a, sizeof a, "%s/s.db", dir);
        snprintf(b, sizeof b, "%s/u.db", dir);
        char *da = lpt_db_digest(a), *db = lpt_db_digest(b);
        CU_ASSERT_PTR_NOT_NULL_FATAL(da);
        CU_ASSERT(strlen(da) > 1000);
        CU_ASSERT_STRING_EQUAL(da, db ? db : "");
        free(da), free(db);
    }
    unsetenv("SLURM_CONF");
    snprintf(cmd, sizeof cmd, "'%s/scripts/slurm-local.sh' stop '%s/cluster' >>'%s/start.log' 2>&1", LPSIM_SOURCE_DIR,
             dir, dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

CU_TestInfo lpt_slurm_tests[] = {
    {"sweep/job_array_merges_to_the_unsharded_rows", test_job_array_merges_to_the_unsharded_rows},
    CU_TEST_INFO_NULL,
};
