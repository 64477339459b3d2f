package suite

import (
	"context"

	"github.com/authd/authd/core/user"
)

// StoreRoles changes roles straight in a user store, as `authd admin grant|revoke` does, for the
// services the suite runs in its own process.
type StoreRoles struct{ Users user.Store }

// GrantAdmin gives the account at email the admin role.
func (s StoreRoles) GrantAdmin(ctx context.Context, email string) error {
	return s.set(ctx, email, func(u *user.User) { u.Grant(user.RoleAdmin) })
}

// RevokeAdmin takes the admin role from the account at email.
func (s StoreRoles) RevokeAdmin(ctx context.Context, email string) error {
	return s.set(ctx, email, func(u *user.User) { u.Revoke(user.RoleAdmin) })
}

func (s StoreRoles) set(ctx context.Context, email string, change func(*user.User)) error {
	u, err := s.Users.ByEmail(ctx, email)
	if err != nil {
		return err
	}
	_, err = s.Users.Update(ctx, u.ID, func(u *user.User) error { change(u); return nil })
	return err
}
