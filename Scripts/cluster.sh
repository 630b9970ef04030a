# A two-node cluster on one machine, for Scripts/cluster-test.sh and Benchmarks/cluster_scaling.sh
# (source it; it defines functions and sets nothing up by itself).
#
# Two network namespaces, nodeA and nodeB, joined by a veth pair whose ends are shaped to
# CLUSTER_RATE (10gbit; `none` leaves the link as it is) with `tc` (netem with CLUSTER_DELAY, 50us, where the kernel has it; tbf
# otherwise). Each namespace has its own host name (a UTS namespace) and /etc/hosts
# (/etc/netns/<ns>/hosts). mpirun runs in nodeA; it starts its daemon on nodeB through
# plm_rsh_agent, a small script that enters nodeB's namespace: no SSH server. Ranks talk over
# OpenMPI's TCP transport on the veth link only (btl tcp,self; oob and btl restricted to
# 10.77.0.0/24), so no traffic goes to any other address. cluster_down removes everything.

CLUSTER_RATE=${CLUSTER_RATE:-10gbit}
CLUSTER_DELAY=${CLUSTER_DELAY:-50us}
cluster_id="swt$$"
cluster_ns_a="${cluster_id}a"
cluster_ns_b="${cluster_id}b"
cluster_dir=""
cluster_shaping=""
# Each node gets its own core where the machine has two or more (taskset), so that the ranks
# compute as on two one-core machines instead of crowding each other's cores.
cluster_pin_a=""
cluster_pin_b=""
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null 2>&1; then
    cluster_pin_a="taskset -c 0"
    cluster_pin_b="taskset -c 1"
fi

# Whether this machine lets us create network namespaces (root, CAP_NET_ADMIN, iproute2).
cluster_possible() {
    command -v ip >/dev/null 2>&1 && command -v tc >/dev/null 2>&1 && command -v unshare >/dev/null 2>&1 || return 1
    ip netns add "${cluster_id}probe" 2>/dev/null || return 1
    ip netns del "${cluster_id}probe"
}

cluster_up() {
    cluster_dir=$(mktemp -d /tmp/swifttrain-cluster.XXXXXX)
    ip netns add "$cluster_ns_a"
    ip netns add "$cluster_ns_b"
    ip link add "${cluster_id}va" netns "$cluster_ns_a" type veth peer name "${cluster_id}vb" netns "$cluster_ns_b"
    ip -n "$cluster_ns_a" addr add 10.77.0.1/24 dev "${cluster_id}va"
    ip -n "$cluster_ns_b" addr add 10.77.0.2/24 dev "${cluster_id}vb"
    local ns end
    for end in a b; do
        ns="${cluster_id}${end}"
        ip -n "$ns" link set lo up
        ip -n "$ns" link set "${cluster_id}v${end}" up
        mkdir -p "/etc/netns/$ns"
        printf '127.0.0.1 localhost\n10.77.0.1 nodeA\n10.77.0.2 nodeB\n' > "/etc/netns/$ns/hosts"
        if [ "$CLUSTER_RATE" = none ]; then
            cluster_shaping="none (the veth link as it is)"
        elif ip netns exec "$ns" tc qdisc add dev "${cluster_id}v${end}" root netem delay "$CLUSTER_DELAY" rate "$CLUSTER_RATE" 2>/dev/null; then
            cluster_shaping="netem: $CLUSTER_RATE, $CLUSTER_DELAY each way"
        else
            # No sch_netem in this kernel: shape the rate only (the veth's own latency remains).
            ip netns exec "$ns" tc qdisc add dev "${cluster_id}v${end}" root tbf rate "$CLUSTER_RATE" burst 4mb latency 10ms
            cluster_shaping="tbf: $CLUSTER_RATE (this kernel has no netem, so no added delay)"
        fi
    done
    cat > "$cluster_dir/agent" <<AGENT
#!/bin/sh
# OpenMPI's plm_rsh_agent, called as ssh would be: agent <host> <command string>.
cluster_cores_of() { [ "\$1" = nodeB ] && echo "$cluster_pin_b"; }
host=\$1; shift
case "\$host" in
    nodeA) ns=$cluster_ns_a ;;
    nodeB) ns=$cluster_ns_b ;;
    *) echo "cluster agent: unknown host \$host" >&2; exit 1 ;;
esac
exec ip netns exec "\$ns" \$(cluster_cores_of \$host) unshare --uts sh -c "hostname \$host; \$*"
AGENT
    chmod +x "$cluster_dir/agent"
    printf 'nodeA slots=1\nnodeB slots=1\n' > "$cluster_dir/hostfile"
}

# Runs `mpirun` in nodeA with one rank per node; arguments are mpirun's (then the program's).
# `exec` all the way down, so the caller's $! is mpirun itself (for signals).
cluster_mpirun() {
    local root_flag=""
    [ "$(id -u)" -eq 0 ] && root_flag="--allow-run-as-root"
    local command="exec mpirun $root_flag --hostfile $cluster_dir/hostfile --mca plm_rsh_agent $cluster_dir/agent"
    # mpirun's own binding would put both nodes' ranks on core 0 (each node's first core).
    # Each node's core is set by taskset (cluster_pin_a, cluster_pin_b).
    command+=" --bind-to none"
    command+=" --mca oob_tcp_if_include 10.77.0.0/24 --mca btl_tcp_if_include 10.77.0.0/24 --mca btl tcp,self"
    local exec_args
    exec_args=$(printf ' %q' "$@")
    ip netns exec "$cluster_ns_a" $cluster_pin_a unshare --uts bash -c "hostname nodeA; $command$exec_args"
}

# Process ids in a node's namespace whose command is `name`.
cluster_pids() {
    local ns=$1 name=$2 pid
    for pid in $(ip netns pids "$ns" 2>/dev/null); do
        [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ] && echo "$pid"
    done
    return 0
}

# Kills whatever still runs in the namespaces, deletes them (and the veth pair with them), and
# removes the files: safe to call twice and after a partial cluster_up.
cluster_down() {
    local ns pid
    for ns in "$cluster_ns_a" "$cluster_ns_b"; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
        rm -rf "/etc/netns/$ns"
    done
    [ -n "$cluster_dir" ] && rm -rf "$cluster_dir"
    cluster_dir=""
}
