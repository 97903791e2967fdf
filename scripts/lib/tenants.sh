# shellcheck shell=bash
# The local set-up's tenants (manifests/tenants.yaml is red-box's view of them): a Unix user, a Slurm account and a
# work root each. Used by scripts/slurm.sh (so the Integration tests have them) and scripts/cluster.sh (red-box).
# Sourced; the caller defines log and die.
#
#   TENANTS                 jobs (the single-tenant default: every namespace not named elsewhere), team-a, team-b
#   tenant_user NAME        its Unix user, sk8s-NAME; its Slurm account is NAME
#   TENANTS_ROOT            /var/lib/slurmk8s/tenants; a tenant's work root is $TENANTS_ROOT/NAME (red-box makes
#                           <namespace>/<slurmjob>-<uid> folders in it, as the tenant's user)
#   ensure_tenant_users SERVICE_USER   the users (uid >= TENANT_UID_MIN, home /home/USER 0700, shell bash, a group of
#                           their own, in neither SERVICE_USER's group nor the socket group) and their work roots
#                           (USER:USER 0700), reachable by their users; idempotent
#   ensure_tenant_accounts SERVICE_USER [CLUSTER]  the Slurm accounts and the associations TENANT_USER→TENANT and
#                           SERVICE_USER→jobs (what red-box submitted as before tenancy; the Integration tests
#                           still do) on CLUSTER (default: the main one, slurmk8s); clusters with accounting only
#                           (they share one slurmdbd: an account is one, its associations are per cluster),
#                           slurmdbd answering; idempotent
#
# Uids start at 2000, not useradd's 1000: the companion pods run as uid 1000 (the operator's --companion-uid) and
# the first person's account on a machine usually has 1000 too. A tenant's jobs sharing a uid with either could
# signal or trace those processes and write their files.

# shellcheck source=SCRIPTDIR/cluster-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/cluster-env.sh" # SOCKET_GROUP

TENANTS=(jobs team-a team-b)
TENANTS_ROOT=/var/lib/slurmk8s/tenants
TENANT_UID_MIN=2000

tenant_user() { echo "sk8s-$1"; }

ensure_tenant_users() {
  local svc=${1:?service user} t u g
  # Root-owned and searchable by everyone (x), listable by no one: each tenant's user must pass through to its root.
  install -d -o root -g root -m 0711 "$TENANTS_ROOT"
  for t in "${TENANTS[@]}"; do
    u=$(tenant_user "$t")
    if ! id -u "$u" >/dev/null 2>&1; then
      log "creating user $u (tenant $t)"
      # A concurrent `up` (up and up-noacct from two test fixtures) may have made it meanwhile: fine.
      useradd --create-home --home-dir "/home/$u" --shell /bin/bash --user-group --comment "slurmk8s tenant $t" \
        -K UID_MIN=$TENANT_UID_MIN -K GID_MIN=$TENANT_UID_MIN -K HOME_MODE=0700 "$u" \
        || id -u "$u" >/dev/null 2>&1 || die "could not create user $u"
    fi
    (($(id -u "$u") >= 1000)) || die "user $u has uid $(id -u "$u"): a tenant's user needs uid >= 1000 (red-box refuses lower ones); remove it (userdel $u) and run this again"
    # Access to red-box's socket or files would let a job talk to red-box as a host caller or read its state.
    for g in "$svc" "$SOCKET_GROUP"; do
      if id -nG "$u" | tr ' ' '\n' | grep -qx "$g"; then
        log "removing $u from group $g: a tenant's jobs must not reach red-box's socket or files"
        gpasswd --delete "$u" "$g" >/dev/null
      fi
    done
    install -d -o "$u" -g "$u" -m 0700 "$TENANTS_ROOT/$t"
    runuser -u "$u" -- test -w "$TENANTS_ROOT/$t" \
      || die "$u cannot write its work root $TENANTS_ROOT/$t: a folder above it is not searchable by others (chmod o+x it)"
  done
}

# sacctmgr prints what it lists, one per line; -i: no "Would you like to commit changes?" prompt. The associations
# are looked up on one cluster ($ACCT_CLUSTER): the clusters of the one slurmdbd each have their own.
ACCT_CLUSTER=slurmk8s
slurm_account_exists() { [[ -n $(sacctmgr -n -P show assoc where "cluster=$ACCT_CLUSTER" "account=$1" format=account 2>/dev/null) ]]; }
slurm_association_exists() { [[ -n $(sacctmgr -n -P show assoc where "cluster=$ACCT_CLUSTER" "account=$1" "user=$2" format=user 2>/dev/null) ]]; }

ensure_tenant_accounts() {
  local svc=${1:?service user} t u
  ACCT_CLUSTER=${2:-slurmk8s}
  for t in "${TENANTS[@]}"; do
    if ! slurm_account_exists "$t"; then
      log "adding Slurm account $t (cluster $ACCT_CLUSTER)"
      sacctmgr -i add account "name=$t" "cluster=$ACCT_CLUSTER" "description=slurmk8s tenant $t" organization=slurmk8s >/dev/null \
        || slurm_account_exists "$t" || die "could not add Slurm account $t on cluster $ACCT_CLUSTER"
    fi
    u=$(tenant_user "$t")
    if ! slurm_association_exists "$t" "$u"; then
      log "adding Slurm user $u to account $t (cluster $ACCT_CLUSTER)"
      sacctmgr -i add user "name=$u" "account=$t" "cluster=$ACCT_CLUSTER" "defaultaccount=$t" >/dev/null \
        || slurm_association_exists "$t" "$u" || die "could not add Slurm user $u to account $t on cluster $ACCT_CLUSTER"
    fi
  done
  if ! slurm_association_exists jobs "$svc"; then
    log "adding Slurm user $svc to account jobs (cluster $ACCT_CLUSTER)"
    sacctmgr -i add user "name=$svc" account=jobs "cluster=$ACCT_CLUSTER" defaultaccount=jobs >/dev/null \
      || slurm_association_exists jobs "$svc" || die "could not add Slurm user $svc to account jobs on cluster $ACCT_CLUSTER"
  fi
  # The cluster's registration makes root's own; the tests submit as root.
  slurm_association_exists root root || die "Slurm user root has no association in account root on cluster $ACCT_CLUSTER (slurmctld registers it with the cluster): is the cluster registered in slurmdbd?"
}
