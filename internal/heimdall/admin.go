package heimdall

import "github.com/heimdall-mock/heimdall-mock/internal/router"

func (d *Domain) registerAdmin(reg *router.Registry) {}
