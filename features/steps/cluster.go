package steps

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/cucumber/godog"
)

func (w *world) registerCluster(sc *godog.ScenarioContext) {
	sc.Step(`^the database goes down$`, w.clusterDo(func(ctx context.Context, c Cluster) error { return c.StopDatabase(ctx) }))
	sc.Step(`^the database comes back$`, w.clusterDo(func(ctx context.Context, c Cluster) error { return c.StartDatabase(ctx) }))
	sc.Step(`^the service restarts$`, w.clusterDo(func(ctx context.Context, c Cluster) error { return c.Restart(ctx, w.replica) }))
	sc.Step(`^the service is killed with SIGKILL and started again$`, w.clusterDo(func(ctx context.Context, c Cluster) error { return c.Kill(ctx, w.replica) }))
	sc.Step(`^a second replica "([^"]*)" runs on the same database$`, w.addReplica)
	sc.Step(`^I talk to replica "([^"]*)"$`, w.useReplica)
	sc.Step(`^the response arrived within (\d+) seconds$`, w.arrivedWithin)
	sc.Step(`^within (\d+) seconds a GET request to "([^"]*)" answers (\d+)$`, w.eventually)
	sc.Step(`^(\d+) logins are in flight when the service receives SIGTERM$`, w.sigtermInFlight)
	sc.Step(`^every in-flight request got a complete response$`, w.inFlightCompleted)
	sc.Step(`^the service exited with code (\d+)$`, w.exitedWith)
	sc.Step(`^clients register, log in, change passwords and log out while the service is killed (\d+) times$`, w.crashWorkload)
	sc.Step(`^every acknowledged write is still there$`, w.acknowledgedSurvive)
}

func (w *world) cluster() (Cluster, error) {
	if err := w.needs("@containers"); err != nil {
		return nil, err
	}
	if w.target.Cluster == nil {
		return nil, fmt.Errorf("this step needs the service in containers (run the @containers scenarios with make acceptance)")
	}
	return w.target.Cluster, nil
}

// clusterDo runs op on the cluster, then points the scenario at the current address of its replica,
// which changes when a container restarts.
func (w *world) clusterDo(op func(context.Context, Cluster) error) func() error {
	return func() error {
		c, err := w.cluster()
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := op(ctx, c); err != nil {
			return err
		}
		return w.useReplica(w.replica)
	}
}

func (w *world) addReplica(name string) error {
	c, err := w.cluster()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := c.URL(ctx, name); err == nil {
		return nil // started by an earlier scenario: replicas are shared, their state is in the database
	}
	return c.AddReplica(ctx, name)
}

func (w *world) useReplica(name string) error {
	c, err := w.cluster()
	if err != nil {
		return err
	}
	url, err := c.URL(context.Background(), name)
	if err != nil {
		return err
	}
	w.replica, w.base = name, url
	return nil
}

func (w *world) arrivedWithin(secs int) error {
	if err := w.requireResponse(); err != nil {
		return err
	}
	if w.took > time.Duration(secs)*time.Second {
		return fmt.Errorf("the response took %s, more than %ds", w.took, secs)
	}
	return nil
}

// eventually polls until path answers status, as a client retrying after an outage would.
func (w *world) eventually(secs int, path string, status int) error {
	deadline := time.Now().Add(time.Duration(secs) * time.Second)
	last := 0
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		resp, _, err := w.do(ctx, http.MethodGet, path, nil, "", nil)
		cancel()
		if err == nil {
			last = resp.StatusCode
			if last == status {
				return nil
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("%s did not answer %d within %ds (last status %d)", path, status, secs, last)
}
