package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/authd/authd/app"
)

// auditCommand runs `authd audit verify [flags]`: every user's security timeline checked straight
// from the configured store (the same flags and AUTHD_* settings as the service). It exits 0 when
// every chain verifies, 1 when one is broken, 2 on a usage or store error.
func auditCommand(args []string) int {
	switch {
	case len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help"):
		_, _ = app.LoadConfig([]string{"--help"}, os.Getenv, os.Stdout)
		return 0
	case len(args) == 0 || args[0] != "verify":
		usageError(os.Stderr, "authd audit", errors.New(`want the subcommand verify: authd audit verify [flags]`))
		return 2
	}
	cfg, log, code, ok := configure("authd audit verify", args[1:])
	if !ok {
		return code
	}
	switch err := app.VerifyTimelines(context.Background(), cfg, log, os.Stdout); {
	case errors.Is(err, app.ErrTimelineBroken):
		return 1
	case err != nil:
		fmt.Fprintln(os.Stderr, "authd audit verify:", err)
		return 2
	}
	return 0
}
