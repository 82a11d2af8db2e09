module cloudengine.local/pause

go 1.24
