#!/usr/bin/env bash
# Captures, from the real Slurm, the outputs red-box parses, with exactly the command lines red-box runs
# (keep the field lists in step with SqueueFormat.cs and SacctFormat.cs). Writes SlurmK8s.Tests/Fixtures/slurm/redbox-*.txt.
# Needs a running Slurm (./build.sh slurm up).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=SlurmK8s.Tests/Fixtures/slurm
WORK=$(mktemp -d /tmp/fixtures-XXXX)
US=$'\x1f'
SQUEUE_FIELDS="JobID:$US,ArrayJobID:$US,ArrayTaskID:$US,Name:$US,UserName:$US,State:$US,Reason:$US,Exit_Code:$US,SubmitTime:$US,StartTime:$US,EndTime:$US,TimeLimit:$US,Partition:$US,NodeList:$US,WorkDir:$US,STDOUT:$US,Comment:$US"
SACCT_FIELDS=JobID,JobIDRaw,JobName,User,State,ExitCode,Submit,Start,End,Timelimit,Partition,WorkDir,NodeList,Comment

submit() { sbatch --parsable --chdir="$WORK" "$@"; }
completed=$(printf '#!/bin/sh\necho ok\n' | submit --comment=slurmk8s-key=fixture-completed -J completed)
failed=$(printf '#!/bin/sh\nexit 3\n' | submit -J failed --time=5)
held=$(printf '#!/bin/sh\ntrue\n' | submit --hold -J held)
running=$(printf '#!/bin/sh\nsleep 60\n' | submit -J running)
to_cancel=$(printf '#!/bin/sh\nsleep 60\n' | submit -J cancelled)
array=$(printf '#!/bin/sh\nexit $((SLURM_ARRAY_TASK_ID == 2))\n' | submit --array=1-3 -J array)
array_held=$(printf '#!/bin/sh\ntrue\n' | submit --array=1-3%2 --hold -J array-held)
spaced=$(printf '#!/bin/sh\ntrue\n' | submit --hold -J spaced "--comment=a comment with spaces | and a bar")
ids=$completed,$failed,$held,$running,$to_cancel,$array,$array_held,$spaced

# Let the short jobs finish and the long ones start, then cancel one running job.
for _ in $(seq 1 30); do
  state=$(squeue -h -j "$running,$to_cancel" -o %T | sort -u | tr '\n' ' ')
  [ "$state" = "RUNNING " ] && break; sleep 1
done
scancel "$to_cancel"; sleep 3

squeue --noheader --states=all --jobs="$ids" --Format="$SQUEUE_FIELDS" > $OUT/redbox-squeue.txt
scontrol --oneliner show partition > $OUT/redbox-scontrol-partition.txt
scontrol --oneliner show node > $OUT/redbox-scontrol-node.txt
scontrol show config > $OUT/redbox-scontrol-config.txt
scontrol --oneliner show job "$running" > $OUT/redbox-scontrol-job-running.txt
sleep 5  # accounting hears of jobs a moment late
sacct --allocations --noheader --parsable2 --delimiter="$US" --format=$SACCT_FIELDS --jobs="$ids" > $OUT/redbox-sacct.txt
sacct --noheader --parsable2 --delimiter="$US" --format=JobID,JobName,State,ExitCode,Start,End,NodeList --jobs="$completed" > $OUT/redbox-sacct-steps.txt
scancel "$ids" 2>/dev/null || true
cat > $OUT/redbox-ids.txt <<IDS
completed=$completed
failed=$failed
held=$held
running=$running
cancelled=$to_cancel
array=$array
array_held=$array_held
spaced=$spaced
IDS
rm -rf "$WORK"
echo "captured into $OUT: $(ls $OUT/redbox-* | wc -l) files"
