module github.com/flect-kv/flect

go 1.26.8

require (
	github.com/spf13/cobra v1.10.2
	github.com/tidwall/redcon v1.6.4
)

require (
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/spf13/pflag v1.0.9 // indirect
	github.com/tidwall/btree v1.1.0 // indirect
	github.com/tidwall/match v1.1.1 // indirect
)
