package durable

// WaitForCallbackOption configures [WaitForCallback]. Every
// [CallbackOption] is one too; [WithSubmitterRetry] is one only.
type WaitForCallbackOption interface {
	applyWaitForCallback(*waitForCallbackConfig)
}

type waitForCallbackOptionFunc func(*waitForCallbackConfig)

func (f waitForCallbackOptionFunc) applyWaitForCallback(c *waitForCallbackConfig) { f(c) }

type waitForCallbackConfig struct {
	callback callbackConfig
	retry    RetryStrategy
}

// WithSubmitterRetry sets the retry strategy of WaitForCallback's
// submitter step (default [ExponentialBackoff], like any step). It is a
// WaitForCallbackOption only: passing it to CreateCallback does not
// compile.
func WithSubmitterRetry(s RetryStrategy) WaitForCallbackOption {
	return waitForCallbackOptionFunc(func(c *waitForCallbackConfig) { c.retry = s })
}
