package emulator

import "time"

// Cluster states change with time, as on a workspace: a created or started
// cluster is PENDING for Options.ClusterStartDelay before it reads RUNNING, an
// edited running cluster RESTARTING for the same delay, a terminated one
// TERMINATING for Options.ClusterTerminateDelay before TERMINATED:
//
//	create/start → PENDING ─delay→ RUNNING ─edit→ RESTARTING ─delay→ RUNNING
//	delete → TERMINATING ─delay→ TERMINATED ─start→ PENDING
//
// Transitions are made lazily, by whoever touches the cluster next (every
// handler settles it before reading or changing it), with the timestamp at
// which they fell due, so the clock (Options.Now) alone decides what a client
// sees: a test clock that does not move keeps a cluster PENDING for good.

const (
	clusterPending     = "PENDING"
	clusterRunning     = "RUNNING"
	clusterRestarting  = "RESTARTING"
	clusterTerminating = "TERMINATING"
	clusterTerminated  = "TERMINATED"
)

// clusterEvent is one entry of a cluster's event log (clusters/events).
type clusterEvent struct {
	at      int64 // epoch ms
	typ     string
	details compDoc
}

// clusterNext is the state a timed state leads to, and after how long.
func (s *Server) clusterNext(state string) (next string, after time.Duration, ok bool) {
	switch state {
	case clusterPending, clusterRestarting:
		return clusterRunning, s.opts.ClusterStartDelay, true
	case clusterTerminating:
		return clusterTerminated, s.opts.ClusterTerminateDelay, true
	}
	return "", 0, false
}

// settleCluster makes every transition of c that is due by now. Call with s.mu
// held.
func (s *Server) settleCluster(c *clusterRec) {
	for {
		next, after, ok := s.clusterNext(c.state)
		due := c.since + after.Milliseconds()
		if !ok || s.now() < due {
			return
		}
		s.enterState(c, next, due)
	}
}

// enterState moves c into state at time at (epoch ms), with the state's
// message, timestamps and event.
func (s *Server) enterState(c *clusterRec, state string, at int64) {
	c.state, c.since, c.stateMessage = state, at, ""
	switch state {
	case clusterPending:
		c.stateMessage = "Finding instances for new nodes, acquiring more instances if necessary"
	case clusterRunning:
		c.lastRestartedTime, c.sparkContextID = at, s.rng.Int64()
		s.eventAt(c, at, "RUNNING", compDoc{"current_num_workers": clusterWorkers(c.spec)})
	case clusterRestarting:
		c.stateMessage = "Restarting cluster to apply the new configuration"
		s.eventAt(c, at, "RESTARTING", compDoc{"user": s.opts.UserName})
	case clusterTerminating:
		c.stateMessage, c.terminationReason = "Terminating cluster", s.userTermination()
		s.eventAt(c, at, "TERMINATING", compDoc{"reason": s.userTermination()})
	case clusterTerminated:
		c.terminatedTime = at
		c.stateMessage = "Termination requested by " + s.opts.UserName
	}
}

// setClusterState puts a new cluster in state as if it had just got there;
// seeds use it to start in any state. Call with s.mu held.
func (s *Server) setClusterState(c *clusterRec, state string) {
	s.enterState(c, state, s.now())
	if state == clusterTerminated && c.terminationReason == nil {
		c.terminationReason = s.userTermination()
	}
}

func (s *Server) userTermination() compDoc {
	return compDoc{"code": "USER_REQUEST", "type": "SUCCESS",
		"parameters": map[string]any{"username": s.opts.UserName}}
}

// event records an event of c happening now.
func (s *Server) event(c *clusterRec, typ string, details compDoc) {
	s.eventAt(c, s.now(), typ, details)
}

func (s *Server) eventAt(c *clusterRec, at int64, typ string, details compDoc) {
	c.events = append(c.events, clusterEvent{at: at, typ: typ, details: details})
}

// clusterSize is the cluster_size of event details: num_workers or autoscale.
func clusterSize(spec compDoc) compDoc {
	if auto, _ := spec.obj("autoscale"); auto != nil {
		return compDoc{"autoscale": auto.clone()}
	}
	return compDoc{"num_workers": clusterWorkers(spec)}
}

// clusterWorkers is the fixed size of spec, or the autoscale minimum.
func clusterWorkers(spec compDoc) int64 {
	if auto, _ := spec.obj("autoscale"); auto != nil {
		n, _, _ := auto.num("min_workers")
		return n
	}
	n, _, _ := spec.num("num_workers")
	return n
}
