package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"

	"github.com/sluice-io/sluice/host/auth"
)

// credentialsTimeout bounds finding the credentials (files and the
// environment; the EC2 metadata service is never asked).
const credentialsTimeout = 10 * time.Second

// awsCredentials is what the client signs with, found as the AWS CLI
// finds it: --access-key-id and --secret-access-key; else the AWS SDK's
// chain of AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN,
// then the profile (--profile, else AWS_PROFILE, else "default") of
// ~/.aws/credentials and ~/.aws/config. With none of these the requests
// go unsigned, which a server without keys accepts. The answer is found
// once per command.
func (c *cli) awsCredentials() aws.CredentialsProvider {
	if c.creds == nil {
		p, err := c.findCredentials()
		if err != nil {
			p = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return aws.Credentials{}, err })
		}
		c.creds = p
	}
	return c.creds
}

func (c *cli) findCredentials() (aws.CredentialsProvider, error) {
	switch {
	case c.accessKeyID != "" && c.secretAccessKey != "":
		return credentials.NewStaticCredentialsProvider(c.accessKeyID, c.secretAccessKey, ""), nil
	case c.accessKeyID != "" || c.secretAccessKey != "":
		return nil, usageErr("give both --access-key-id and --secret-access-key, or neither")
	}
	ctx, cancel := context.WithTimeout(context.Background(), credentialsTimeout)
	defer cancel()
	opts := []func(*config.LoadOptions) error{config.WithEC2IMDSClientEnableState(imds.ClientDisabled)}
	if c.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(c.profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	if cfg.Credentials == nil {
		return aws.AnonymousCredentials{}, nil
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		if c.profile != "" || os.Getenv("AWS_PROFILE") != "" {
			return nil, fmt.Errorf("credentials of profile %q: %w", firstNonEmpty(c.profile, os.Getenv("AWS_PROFILE")), err)
		}
		return aws.AnonymousCredentials{}, nil // none anywhere: unsigned
	}
	return cfg.Credentials, nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// authHint says in plain words what an authentication or authorization
// refusal means, or "" for other errors.
func authHint(code string) string {
	switch code {
	case auth.CodeMissingToken:
		return "the server requires signed requests and no credentials were found: give --access-key-id and --secret-access-key, set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or name a profile of ~/.aws/credentials with --profile or AWS_PROFILE"
	case auth.CodeUnrecognizedClient:
		return "the server does not know this access key (or a session token was sent, which Sluice never issues): check --access-key-id, AWS_ACCESS_KEY_ID or the profile"
	case auth.CodeInvalidSignature:
		return "the server could not verify the signature: check the secret access key, that --region is the server's, and this machine's clock"
	case auth.CodeIncompleteSignature:
		return "the request's signature is malformed"
	case auth.CodeAccessDenied:
		return "the access key is not allowed to do this"
	}
	return ""
}

// refusal renders an error answer "Code: message", with the hint of an
// authentication or authorization refusal.
func refusal(code, message string) error {
	if hint := authHint(code); hint != "" {
		return fmt.Errorf("the server refused the request: %s (%s: %s)", hint, code, strings.TrimSpace(message))
	}
	return fmt.Errorf("%s: %s", code, message)
}
