# provctl/: the command-line client.
PROVCTL_SRCS += provctl/main.c provctl/decode.c provctl/bus.c provctl/show.c provctl/agent.c
