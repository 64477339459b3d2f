// Command authd runs the authentication service; `authd --help` lists its settings.
package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/authd/authd/app"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "audit":
			os.Exit(auditCommand(os.Args[2:]))
		case "admin":
			os.Exit(adminCommand(os.Args[2:]))
		}
	}
	cfg, log, code, ok := configure("authd", os.Args[1:])
	if !ok {
		os.Exit(code)
	}
	os.Exit(serve(cfg, log))
}

// configure reads the settings of the command line name ("authd", "authd audit verify") and
// warns about AUTHD_* variables no setting reads. ok is false when the command line was answered
// already (--help, --version, or an error printed once with a hint) and the process should exit
// with code: 0 for help and version on stdout, 2 for a usage error on stderr.
func configure(name string, args []string) (cfg app.Config, log *slog.Logger, code int, ok bool) {
	cfg, err := app.LoadConfig(args, os.Getenv, os.Stdout)
	switch {
	case errors.Is(err, app.ErrHelp):
		return cfg, nil, 0, false
	case app.IsVersionRequest(err):
		fmt.Println(app.Version())
		return cfg, nil, 0, false
	case err != nil:
		usageError(os.Stderr, name, err)
		return cfg, nil, 2, false
	}
	log = app.NewLogger(cfg, os.Stderr)
	for _, v := range app.UnknownVariables(os.Environ()) {
		log.Warn("ignoring an environment variable that is no authd setting: is it a typo?",
			"variable", v.Name, "nearest_setting", v.Nearest)
	}
	return cfg, log, 0, true
}

// usageError prints err once, a line for each of the problems it joins, and where help is.
func usageError(w io.Writer, name string, err error) {
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintf(w, "%s: %s\n", name, line)
	}
	fmt.Fprintln(w, "Run 'authd --help' for the settings.")
}
