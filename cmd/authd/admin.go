package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/authd/authd/app"
	"github.com/authd/authd/core/user"
)

// adminCommand runs `authd admin grant|revoke EMAIL [flags]`: the admin role given to or taken
// from the account at EMAIL, straight in the configured store (the same flags and AUTHD_*
// settings as the service), with no HTTP surface. It exits 0 when the account holds (or no longer
// holds) the role, changed or not; 1 when no account has the address or the store fails; 2 on a
// usage error.
func adminCommand(args []string) int {
	const usage = `want authd admin grant EMAIL or authd admin revoke EMAIL [flags]`
	switch {
	case len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help"):
		fmt.Println("Usage: authd admin grant|revoke EMAIL [flags]\n\nGives or takes the admin role, straight in the configured store. Settings:")
		_, _ = app.LoadConfig([]string{"--help"}, os.Getenv, os.Stdout)
		return 0
	case len(args) < 2 || (args[0] != "grant" && args[0] != "revoke"):
		usageError(os.Stderr, "authd admin", errors.New(usage))
		return 2
	}
	verb, email := args[0], args[1]
	name := "authd admin " + verb
	if _, err := user.NormalizeEmail("email", email); err != nil {
		usageError(os.Stderr, name, fmt.Errorf("%q is not an email address: %s", email, usage))
		return 2
	}
	cfg, log, code, ok := configure(name, args[2:])
	if !ok {
		return code
	}
	changed, err := app.SetRole(context.Background(), cfg, log, email, user.RoleAdmin, verb == "grant")
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %s: %v\n", name, email, err)
		return 1
	}
	switch {
	case verb == "grant" && changed:
		fmt.Printf("%s now holds the admin role\n", email)
	case verb == "grant":
		fmt.Printf("%s already held the admin role\n", email)
	case changed:
		fmt.Printf("%s no longer holds the admin role\n", email)
	default:
		fmt.Printf("%s did not hold the admin role\n", email)
	}
	return 0
}
