/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container of a bundle (layout in bundle.h): write, read strictly, unpack safely. */
#pragma once

#include "util.h"

typedef struct dc_archive {
    dc_buf b;
    size_t nentries;
} dc_archive;

typedef struct dc_archive_entry {
    char type;     /* 'd', 'f', 'l', 's' */
    unsigned mode; /* 0755 bits at most */
    char *path;    /* relative, validated; points into the decompressed text */
    const char *data;
    size_t len;
    unsigned long long sparse_size; /* 's' only */
} dc_archive_entry;

typedef struct dc_archive_reader {
    char *text; /* decompressed, owned */
    size_t len;
    dc_archive_entry *entries;
    size_t nentries;
} dc_archive_reader;

void dc_archive_init(dc_archive *a);
void dc_archive_add(dc_archive *a, char type, const char *path, unsigned mode, const char *data,
                    size_t len);
/* Ends the archive, compresses it and writes it atomically; the archive is cleared. */
int dc_archive_write(dc_archive *a, const char *file, dc_error *err);
void dc_archive_clear(dc_archive *a);

/* Reads and checks a whole archive: -EINVAL and a message for anything malformed. */
int dc_archive_read(const char *file, dc_archive_reader *ret, dc_error *err);
/* Checks an archive already decompressed; takes text (malloc'd, len bytes) in all cases. */
int dc_archive_parse(const char *name, char *text, size_t len, dc_archive_reader *ret,
                     dc_error *err);
void dc_archive_reader_clear(dc_archive_reader *r);
const dc_archive_entry *dc_archive_find(const dc_archive_reader *r, const char *path);

/*
 * Unpacks every entry into dir (which exists and is empty), never following
 * a symlink while doing so and never writing outside dir.
 */
int dc_archive_extract(const dc_archive_reader *r, const char *dir, dc_error *err);
