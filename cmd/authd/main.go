// Command authd runs the authentication service; `authd --help` lists its settings.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"go.uber.org/fx"

	"github.com/authd/authd/app"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "audit" {
		os.Exit(auditCommand(os.Args[2:]))
	}
	cfg, err := app.LoadConfig(os.Args[1:], os.Getenv, os.Stderr)
	switch {
	case app.IsVersionRequest(err):
		fmt.Println(app.Version())
		return
	case errors.Is(err, app.ErrHelp):
		return
	case err != nil:
		fmt.Fprintln(os.Stderr, "authd:", err)
		os.Exit(2)
	}
	fx.New(app.Module(cfg)).Run()
}

// auditCommand runs `authd audit verify [flags]`: every user's security timeline checked straight
// from the configured store (the same flags and AUTHD_* settings as the service). It exits 0 when
// every chain verifies, 1 when one is broken, 2 on a usage or store error.
func auditCommand(args []string) int {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(os.Stderr, "usage: authd audit verify [flags]   (checks every security timeline in the configured store)")
		return 2
	}
	cfg, err := app.LoadConfig(args[1:], os.Getenv, os.Stderr)
	if err != nil {
		if errors.Is(err, app.ErrHelp) {
			return 0
		}
		fmt.Fprintln(os.Stderr, "authd audit verify:", err)
		return 2
	}
	log := app.NewLogger(cfg, os.Stderr)
	switch err := app.VerifyTimelines(context.Background(), cfg, log, os.Stdout); {
	case errors.Is(err, app.ErrTimelineBroken):
		return 1
	case err != nil:
		fmt.Fprintln(os.Stderr, "authd audit verify:", err)
		return 2
	}
	return 0
}
