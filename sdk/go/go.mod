module github.com/sluice-io/sluice/sdk/go

go 1.26
