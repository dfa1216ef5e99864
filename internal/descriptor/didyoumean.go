package descriptor

// DidYouMean returns `did you mean "x"?` for the candidate closest to s
// (the same measure validate's suggestions use), or "" when none is close
// enough to be a plausible typo: connectgen new uses it for template
// names.
func DidYouMean(s string, candidates []string) string { return didYouMean(s, candidates) }
