module github.com/sluice-io/sluice/sdk/go/testdata/upper-wasi

go 1.26
