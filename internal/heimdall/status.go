package heimdall

// The statuses the domain answers with, named as net/http names them: the
// domain core does not import net/http, and a bare 409 reads worse than a
// name.
const (
	statusOK                    = 200
	statusCreated               = 201
	statusNoContent             = 204
	statusFound                 = 302
	statusSeeOther              = 303
	statusBadRequest            = 400
	statusUnauthorized          = 401
	statusForbidden             = 403
	statusNotFound              = 404
	statusConflict              = 409
	statusGone                  = 410
	statusPreconditionFailed    = 412
	statusRequestEntityTooLarge = 413
	statusUnsupportedMediaType  = 415
	statusTooManyRequests       = 429
	statusInternalServerError   = 500
	statusServiceUnavailable    = 503
	statusInsufficientStorage   = 507
)
