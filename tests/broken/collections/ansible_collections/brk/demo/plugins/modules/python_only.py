#!/usr/bin/python
# A module rsible has no native code for.
