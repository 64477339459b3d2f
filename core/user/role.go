package user

import "slices"

// Role names what an account may do beyond its own data.
type Role string

// RoleAdmin may find, switch off, end the sessions of and delete other accounts.
const RoleAdmin Role = "admin"

// HasRole reports whether the account holds r.
func (u *User) HasRole(r Role) bool { return slices.Contains(u.Roles, r) }

// Grant gives the account r; it reports whether that changed anything.
func (u *User) Grant(r Role) bool {
	if u.HasRole(r) {
		return false
	}
	u.Roles = append(u.Roles, r)
	slices.Sort(u.Roles)
	return true
}

// Revoke takes r from the account; it reports whether that changed anything.
func (u *User) Revoke(r Role) bool {
	before := len(u.Roles)
	u.Roles = slices.DeleteFunc(u.Roles, func(h Role) bool { return h == r })
	if len(u.Roles) == 0 {
		u.Roles = nil
	}
	return len(u.Roles) != before
}
