# provd/: the unprivileged intake daemon. Parts add fragments provd/<part>.mk.
include $(filter-out provd/module.mk,$(wildcard provd/*.mk))
