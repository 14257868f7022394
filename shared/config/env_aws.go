package config

// EnvAWSEndpoint overrides the endpoint of every AWS service client (for
// example http://127.0.0.1:5000 for a local moto_server). Unset in AWS, where
// each SDK client resolves its regional endpoint itself.
const EnvAWSEndpoint = "DRSYNC_AWS_ENDPOINT"
