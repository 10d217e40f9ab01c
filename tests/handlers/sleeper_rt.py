"""A plain Lambda handler (no durable SDK) run by awslambdaric for the
process-hygiene tests: the invocation records the runtime's pid, starts a
child and a `setsid` grandchild that leaves the process group, and never
answers. PIDS_DIR (env) says where the pid files go."""

import os
import subprocess
import time


def handler(event, context):
    d = os.environ["PIDS_DIR"]
    child = subprocess.Popen(["sleep", "300"])
    grandchild = subprocess.Popen(["setsid", "sleep", "300"])
    for name, pid in [("h", os.getpid()), ("c", child.pid), ("g", grandchild.pid)]:
        with open(os.path.join(d, f"{name}.pid.tmp"), "w") as f:
            f.write(str(pid))
        os.replace(os.path.join(d, f"{name}.pid.tmp"), os.path.join(d, f"{name}.pid"))
    time.sleep(300)
