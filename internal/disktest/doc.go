// Package disktest gives tests a small real file system to fill: a tmpfs
// mounted on a temporary directory, and a filler file that takes its space
// until removed. Tests of what happens when the disk is full use it.
package disktest
