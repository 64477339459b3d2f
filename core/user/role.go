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

// RoleNames returns rs as strings, [] for none: how adapters write roles out.
func RoleNames(rs []Role) []string {
	names := make([]string, 0, len(rs))
	for _, r := range rs {
		names = append(names, string(r))
	}
	return names
}

// ParseRoles turns stored or claimed names back into roles, nil for none, as a User keeps them.
func ParseRoles(names []string) []Role {
	var rs []Role
	for _, n := range names {
		rs = append(rs, Role(n))
	}
	return rs
}
