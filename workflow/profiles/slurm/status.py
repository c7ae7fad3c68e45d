#!/usr/bin/env python3
"""Snakemake --cluster-status for SLURM: print running, success or failed for a job id.

Asks `scontrol show job` first (it needs no accounting; slurmctld remembers finished jobs for
MinJobAge seconds), then `sacct` (clusters with accounting remember them for longer).
"""
import subprocess
import sys

RUNNING = {"PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED", "REQUEUED", "RESIZING",
           "STAGE_OUT", "SIGNALING", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD", "STOPPED"}


def state_scontrol(job):
    r = subprocess.run(["scontrol", "show", "job", "-o", job], capture_output=True, text=True)
    if r.returncode != 0:
        return None
    for f in r.stdout.split():
        if f.startswith("JobState="):
            return f.split("=", 1)[1]
    return None


def state_sacct(job):
    r = subprocess.run(["sacct", "-j", job, "-X", "-n", "-P", "-o", "State"], capture_output=True, text=True)
    if r.returncode != 0 or not r.stdout.strip():
        return None
    return r.stdout.split()[0].split()[0]


def main():
    job = sys.argv[1].split(";")[0].strip()
    state = state_scontrol(job) or state_sacct(job)
    if state is None:
        print(f"status.py: SLURM knows no job {job}", file=sys.stderr)
        print("failed")
    elif state in RUNNING:
        print("running")
    elif state == "COMPLETED":
        print("success")
    else:
        print("failed")


if __name__ == "__main__":
    main()
