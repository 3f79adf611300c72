/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A broken QEMU for the CLI tests. It is started like a real emulator
 * ("-S -no-user-config -nodefaults -nographic -machine none,accel=... -qmp stdio")
 * and speaks just enough QMP on stdin/stdout to fail in the way chosen by
 * FAKE_QEMU_MODE:
 *
 *   hang                never writes anything; also forks a child that sleeps,
 *                       so a test can check the whole process group is killed
 *   die-after-greeting  greets, prints "fake-qemu: simulated crash" on stderr,
 *                       exits 1
 *   garbage             writes non-JSON lines instead of a greeting
 *   garbage-reply       greets, answers qmp_capabilities, answers the next
 *                       command with a garbage line
 *   truncated           greets, answers qmp_capabilities, then writes half a
 *                       JSON object without a newline and exits 0
 *   hang-after-caps     greets, answers qmp_capabilities, then never answers
 *   spew                greets, then writes QMP events without end and never
 *                       answers anything
 *   fork-child          forks a child that sleeps holding the QMP socket and
 *                       stderr, then exits 0 at once
 *   stderr-line         greets, writes one 66 KB line (no newline) on stderr,
 *                       exits 1
 *
 * When FAKE_QEMU_PIDFILE is set, the pid of every process it creates is
 * written there, one per line (the main process first), before anything else.
 *
 * Standalone on purpose: no project code, no libraries.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GREETING                                                                                   \
    "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, "              \
    "\"package\": \"\"}, \"capabilities\": [\"oob\"]}}\n"

static const char *pidfile;

static void die(const char *what)
{
    fprintf(stderr, "fake-qemu: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void write_all(int fd, const char *s, size_t len)
{
    while (len) {
        ssize_t n = write(fd, s, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            exit(0); /* the client went away: nothing left to do */
        s += n;
        len -= (size_t)n;
    }
}

static void say(const char *s) { write_all(STDOUT_FILENO, s, strlen(s)); }

static void record_pid(pid_t pid)
{
    if (!pidfile)
        return;
    int fd = open(pidfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        die("cannot open FAKE_QEMU_PIDFILE");
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%ld\n", (long)pid);
    write_all(fd, buf, (size_t)n);
    close(fd);
}

static void sleep_forever(void)
{
    for (;;)
        pause();
}

/* Reads one line from stdin (without the newline); false on EOF. */
static bool read_line(char *buf, size_t size)
{
    static char in[65536];
    static size_t have;
    for (;;) {
        char *nl = memchr(in, '\n', have);
        if (nl) {
            size_t n = (size_t)(nl - in);
            size_t copy = n < size - 1 ? n : size - 1;
            memcpy(buf, in, copy);
            buf[copy] = '\0';
            memmove(in, nl + 1, have - n - 1);
            have -= n + 1;
            return true;
        }
        if (have == sizeof(in))
            have = 0; /* an absurdly long line: drop it */
        ssize_t r = read(STDIN_FILENO, in + have, sizeof(in) - have);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        have += (size_t)r;
    }
}

/* Reads the next non-blank command; copies its "id" value (raw JSON) to id. */
static bool read_command(char *id, size_t idsize)
{
    char line[65536];
    for (;;) {
        if (!read_line(line, sizeof(line)))
            return false;
        const char *p = line + strspn(line, " \t\r");
        if (*p)
            break;
    }
    snprintf(id, idsize, "null");
    const char *p = strstr(line, "\"id\"");
    if (!p)
        return true;
    p += 4;
    p += strspn(p, " \t");
    if (*p != ':')
        return true;
    p++;
    p += strspn(p, " \t");
    const char *end = p;
    if (*p == '"') {
        for (end = p + 1; *end && *end != '"'; end++)
            if (*end == '\\' && end[1])
                end++;
        if (*end == '"')
            end++;
    } else {
        end = p + strcspn(p, ",} \t");
    }
    size_t n = (size_t)(end - p);
    if (n == 0 || n >= idsize)
        return true;
    memcpy(id, p, n);
    id[n] = '\0';
    return true;
}

static void answer_empty(const char *id)
{
    char buf[512];
    snprintf(buf, sizeof(buf), "{\"return\": {}, \"id\": %s}\n", id);
    say(buf);
}

/* Greets and answers qmp_capabilities (whatever the first command is). */
static void handshake(void)
{
    char id[256];
    say(GREETING);
    if (!read_command(id, sizeof(id)))
        exit(0);
    answer_empty(id);
}

/* Swallows whatever the client still sends; returns at EOF. */
static void drain(void)
{
    char id[256];
    while (read_command(id, sizeof(id)))
        ;
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    signal(SIGPIPE, SIG_IGN);
    pidfile = getenv("FAKE_QEMU_PIDFILE");
    if (pidfile && !*pidfile)
        pidfile = NULL;
    record_pid(getpid());

    const char *mode = getenv("FAKE_QEMU_MODE");
    if (!mode || !*mode) {
        fprintf(stderr, "fake-qemu: FAKE_QEMU_MODE is not set\n");
        return 1;
    }

    if (strcmp(mode, "hang") == 0) {
        /* A child like a wrapper script's: keeps the QMP socket open too. */
        pid_t child = fork();
        if (child < 0)
            die("fork");
        if (child == 0)
            sleep_forever();
        record_pid(child);
        sleep_forever();
    } else if (strcmp(mode, "die-after-greeting") == 0) {
        say(GREETING);
        fprintf(stderr, "fake-qemu: simulated crash\n");
        return 1;
    } else if (strcmp(mode, "garbage") == 0) {
        say("Welcome to the fake emulator!\n");
        say("this is not { JSON at all\n");
        say("\x01\x02\x03 garbage \xff\xfe\n");
        drain();
        return 0;
    } else if (strcmp(mode, "garbage-reply") == 0) {
        char id[256];
        handshake();
        if (!read_command(id, sizeof(id)))
            return 0;
        say("{\"return\": {\"oops\" this is not JSON]]\n");
        drain();
        return 0;
    } else if (strcmp(mode, "truncated") == 0) {
        char id[256];
        handshake();
        if (!read_command(id, sizeof(id)))
            return 0;
        say("{\"return\": {\"qemu\": {\"micro\": 0, \"minor\"");
        return 0;
    } else if (strcmp(mode, "spew") == 0) {
        static const char event[] = "{\"event\": \"SPAM\", \"data\": {}, \"timestamp\": "
                                    "{\"seconds\": 1, \"microseconds\": 2}}\n";
        char block[64 * (sizeof(event) - 1)];
        for (size_t i = 0; i < 64; i++)
            memcpy(block + i * (sizeof(event) - 1), event, sizeof(event) - 1);
        say(GREETING);
        for (;;)
            write_all(STDOUT_FILENO, block, sizeof(block));
    } else if (strcmp(mode, "fork-child") == 0) {
        pid_t child = fork();
        if (child < 0)
            die("fork");
        if (child == 0)
            sleep_forever();
        record_pid(child);
        return 0;
    } else if (strcmp(mode, "stderr-line") == 0) {
        static char line[66 * 1024];
        memset(line, 'x', sizeof(line));
        memcpy(line, "fake-qemu: ", strlen("fake-qemu: "));
        say(GREETING);
        write_all(STDERR_FILENO, line, sizeof(line));
        return 1;
    } else if (strcmp(mode, "hang-after-caps") == 0) {
        handshake();
        drain();
        sleep_forever();
    }
    fprintf(stderr, "fake-qemu: unknown FAKE_QEMU_MODE '%s'\n", mode);
    return 1;
}
