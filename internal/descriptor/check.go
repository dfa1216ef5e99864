package descriptor

import "context"

// CheckOptions are the options of Check: how to read the descriptor and
// how to validate it.
type CheckOptions struct {
	// Options are the validation options; an empty Product is resolved
	// as ResolveProduct does.
	Options
	// Read are the options of Read.
	Read ReadOptions
}

// ProductConfigError is a config.json beside the descriptor that names no
// product Check knows, or cannot be read.
type ProductConfigError struct{ Err error }

func (e *ProductConfigError) Error() string { return e.Err.Error() }
func (e *ProductConfigError) Unwrap() error { return e.Err }

// ResolveProduct returns the product whose rules apply to the descriptor
// read from source (name is what Read returned): given when it is not "",
// else the product of the config.json beside the descriptor, as
// atlassian-connect-express reads it, else "" (Validate then detects it).
// reason says which.
func ResolveProduct(name, source string, given Product) (p Product, reason string, err error) {
	if given != "" {
		return given, "--product", nil
	}
	p, err = ProductBeside(name, source)
	if err != nil {
		return "", "", &ProductConfigError{Err: err}
	}
	if p == "" {
		return "", "", nil
	}
	return p, "config.json", nil
}

// Check reads the descriptor at source (Read) and validates it with the
// product ResolveProduct finds. It is the one way connectgen checks an
// app's descriptor: `connectgen validate` and `connectgen run` (at its
// first start and each restart) both use it, so they cannot disagree.
// The error is Read's, or a *ProductConfigError.
func Check(ctx context.Context, source string, opts CheckOptions) (*Result, error) {
	name, src, err := Read(ctx, source, opts.Read)
	if err != nil {
		return nil, err
	}
	p, reason, err := ResolveProduct(name, source, opts.Product)
	if err != nil {
		return nil, err
	}
	vopts := opts.Options
	vopts.Product = p
	res := Validate(name, src, vopts)
	if p != "" {
		res.ProductReason = reason
	}
	return res, nil
}
