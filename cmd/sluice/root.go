package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"
)

const defaultEndpoint = "http://127.0.0.1:4566"

// cli holds what every client command shares: the flags of the root command
// and the streams it writes to.
type cli struct {
	endpoint string
	region   string
	output   string
	// accessKeyID, secretAccessKey and profile choose the credentials the
	// client signs with (see awsCredentials); creds caches them.
	accessKeyID     string
	secretAccessKey string
	profile         string
	creds           aws.CredentialsProvider
	stdin           io.Reader
	stdout          io.Writer
	stderr          io.Writer

	// The client side of TLS: --ca-bundle's roots (nil: the system's)
	// and the --client-cert/--client-key pair.
	caBundle, clientCert, clientKey string
	roots                           *x509.CertPool
	certs                           []tls.Certificate
}

func newRootCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "sluice",
		Short: "Kinesis-style data streams and Firehose-style delivery on embedded NATS JetStream",
		Long: `Sluice gives an edge site what Amazon Kinesis Data Streams and Firehose give
in the cloud: sharded, ordered, retained streams on an embedded NATS
JetStream server, with an AWS-compatible API.

Run the server with 'sluice serve'; the other commands talk to it.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			if c.output != "text" && c.output != "json" {
				return usageErr("--output must be text or json, not %q", c.output)
			}
			if err := c.loadCABundle(); err != nil {
				return err
			}
			return c.loadClientCert()
		},
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	pf := root.PersistentFlags()
	pf.StringVar(&c.endpoint, "endpoint", envOr("SLUICE_ENDPOINT", defaultEndpoint), "server URL (env SLUICE_ENDPOINT)")
	pf.StringVar(&c.region, "region", envOr("SLUICE_REGION", "us-east-1"), "region the client signs for (env SLUICE_REGION)")
	pf.StringVarP(&c.output, "output", "o", "text", "output format: text or json")
	pf.StringVar(&c.clientCert, "client-cert", os.Getenv("SLUICE_CLIENT_CERT"), "PEM client certificate, for a server that requires one (serve --tls-client-ca; env SLUICE_CLIENT_CERT)")
	pf.StringVar(&c.clientKey, "client-key", os.Getenv("SLUICE_CLIENT_KEY"), "PEM private key of --client-cert (env SLUICE_CLIENT_KEY)")
	pf.StringVar(&c.caBundle, "ca-bundle", envOr("SLUICE_CA_BUNDLE", os.Getenv("AWS_CA_BUNDLE")), "PEM CA certificates to trust for an https:// --endpoint, instead of the system's (env SLUICE_CA_BUNDLE or AWS_CA_BUNDLE)")
	pf.StringVar(&c.accessKeyID, "access-key-id", "", "access key id to sign requests with (default: AWS_ACCESS_KEY_ID, then the profile)")
	pf.StringVar(&c.secretAccessKey, "secret-access-key", "", "secret access key to sign requests with (default: AWS_SECRET_ACCESS_KEY, then the profile)")
	pf.StringVar(&c.profile, "profile", "", "profile of ~/.aws/credentials and ~/.aws/config to sign with (default: AWS_PROFILE, then \"default\")")

	root.AddCommand(newServeCmd(c), newStreamCmd(c), newPutCmd(c), newGetCmd(c), newModuleCmd(c), newApplyCmd(c), newDeliveryCmd(c), newInspectCmd(c), newClusterCmd(c), newMirrorCmd(c), newVersionCmd(c))
	root.Version = readBuildInfo().text()
	root.SetVersionTemplate("{{.Version}}")
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	checkUsage(root)
	return root
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// printJSON writes v as indented JSON, for --output json.
func (c *cli) printJSON(v any) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (c *cli) jsonOutput() bool { return c.output == "json" }
