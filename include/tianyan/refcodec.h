/*
 * refcodec.h - readers for public regulatory reference files, and the checks
 * of the chemical identifiers they carry:
 *
 *  - the EU CosIng export of Annex II (prohibited) or Annex III (restricted)
 *    substances of Regulation (EC) No 1223/2009: tab-separated, a preamble whose
 *    first line names the annex, then a header row and one row per substance
 *    ("group entries are split in different rows");
 *  - the EU Safety Gate (RAPEX) alerts CSV (RFC 4180, quoted multi-line cells).
 *
 * Readers parse, check and normalise; they know nothing about storage (the store
 * writes what they deliver, see reference.h). They are push-driven like the feed
 * decoders of codec.h: feed bytes in chunks of any size, then finish. Every data
 * row gives exactly one sink call: on_row for a good row, on_reject for a row
 * refused (line, field, reason). A bad row never stops the good ones. A file that
 * is not of the expected kind (first line names no supported annex, header lacks
 * a required column or has a column the reader does not know, so its data would be
 * lost) gives one reject of class TY_REJ_HEADER and no rows at all.
 *
 * Memory is bounded: one physical line and one row may each hold at most
 * TY_REF_ROW_MAX bytes; a longer row is rejected without being buffered whole.
 */
#ifndef TIANYAN_REFCODEC_H
#define TIANYAN_REFCODEC_H

#include <stddef.h>
#include <stdint.h>

#include "tianyan/error.h"
#include "tianyan/record.h"
#include "tianyan/reference.h"

#define TY_REF_ROW_MAX (1u << 20)

/* Fields of a CosIng row. The CosIng column each comes from is in
 * ty_cosing_column(); columns an annex's export does not have read as "". */
typedef enum {
    TY_CS_NAME,          /* "Name": name of the annex entry ("Lead and its compounds") */
    TY_CS_REF_NO,        /* "Ref No.": entry number in the annex ("289", "15b") */
    TY_CS_GROUP_NAME,    /* "Nom": the substance this row is about (a member of a group entry) */
    TY_CS_CAS,           /* "CAS": CAS number(s) of the entry */
    TY_CS_EC,            /* "EC Number": EC number(s) of the entry */
    TY_CS_GROUP_CAS,     /* "CAS No.": CAS number(s) of the row's substance */
    TY_CS_GROUP_EC,      /* "EC No.": EC number(s) of the row's substance */
    TY_CS_FORMULA,       /* "Molecular formula" (Annex II) */
    TY_CS_PRODUCT_TYPES, /* "Product type, body parts" */
    TY_CS_MAX_CONC,      /* "Maximum Threshold" */
    TY_CS_MIN_CONC,      /* "Minimum Threshold" (Annex III) */
    TY_CS_RESTRICTIONS,  /* "Restriction(s)" */
    TY_CS_QUALIFIERS,    /* "Qualifier(s)" (Annex III) */
    TY_CS_EXPRESSED_AS,  /* "Expressed As" */
    TY_CS_WARNINGS,      /* "Warning Label" (Annex III) */
    TY_CS_FUNCTIONS,     /* "Function(s)" (Annex III) */
    TY_CS_NOTES,         /* "Notes" */
    TY_CS__COUNT
} ty_cosing_field;

/* Fields of a Safety Gate alert, in the order of the published CSV. */
typedef enum {
    TY_SG_ALERT_NUMBER, /* "alert_number": "A12/00419/24" (required) */
    TY_SG_PRODUCT_NAME,
    TY_SG_CATEGORY,
    TY_SG_BRAND,
    TY_SG_DESCRIPTION,
    TY_SG_TYPE,
    TY_SG_ORIGIN,
    TY_SG_RISK_TYPE,
    TY_SG_RISK_DESCRIPTION,
    TY_SG_MEASURES,
    TY_SG_NOTIFYING_COUNTRY,
    TY_SG_RECALL_CODE,
    TY_SG_PRODUCTION_DATES,
    TY_SG__COUNT
} ty_alert_field;

/* Column name in the source file of a field ("Ref No.", "alert_number"). */
const char *ty_cosing_column(ty_cosing_field f);
const char *ty_alert_column(ty_alert_field f);

#define TY_REF_FIELDS_MAX 17 /* the larger of TY_CS__COUNT and TY_SG__COUNT */
#define TY_REF_IDS_MAX    32 /* CAS + EC numbers one CosIng row may carry */
#define TY_REF_NAMES_MAX  32 /* names one CosIng row may carry */
#define TY_CHEMID_MAX     16 /* longest CAS or EC number, with its NUL */

/* A checked CAS or EC number in canonical form. */
typedef struct ty_ref_id {
    char kind[4]; /* "cas" or "ec" */
    char value[TY_CHEMID_MAX];
} ty_ref_id;

/* A name within a row's text (not NUL-terminated). */
typedef struct ty_ref_name {
    const char *s;
    size_t n;
} ty_ref_name;

/*
 * One good row. Texts are NUL-terminated (a cell holding a NUL byte is rejected)
 * and valid only during the on_row call.
 * CosIng cells are normalised: HTML character references of the export ("&#39;",
 * "&gt;") decoded and surrounding white space trimmed. Safety Gate cells are
 * delivered exactly as in the file.
 */
typedef struct ty_ref_row {
    uint64_t line;                        /* input line the row starts on */
    const char *annex;                    /* CosIng: "II" or "III"; Safety Gate: NULL */
    size_t nfields;                       /* TY_CS__COUNT or TY_SG__COUNT */
    const char *field[TY_REF_FIELDS_MAX]; /* by ty_cosing_field / ty_alert_field; "" if empty */
    size_t len[TY_REF_FIELDS_MAX];
    size_t nids; /* CosIng: distinct valid CAS / EC numbers of the row */
    ty_ref_id ids[TY_REF_IDS_MAX];
    size_t nbad_ids; /* CosIng: numbers present but malformed or failing their check digit
                        (placeholders "-" and empty cells are not counted) */
    size_t nnames;   /* CosIng: names to find the row by, each once: the entry's name, the
                        compound's ("Nom"), and each ";"-separated synonym within it */
    ty_ref_name names[TY_REF_NAMES_MAX];
} ty_ref_row;

typedef struct ty_ref_sink {
    ty_err (*on_row)(void *ctx, const ty_ref_row *row);
    ty_err (*on_reject)(void *ctx, const ty_reject *rej);
    void *ctx;
} ty_ref_sink;

typedef struct ty_ref_reader ty_ref_reader;

/* Creates a reader of format f delivering to sink (copied). Free with ty_ref_reader_free(). */
ty_err ty_ref_reader_new(ty_ref_reader **r, ty_ref_format f, const ty_ref_sink *sink);

/* Feeds n bytes; complete rows reach the sink before this returns. Only an error
 * returned by a sink callback (or TY_ENOMEM) stops reading; it is returned. */
ty_err ty_ref_reader_feed(ty_ref_reader *r, const void *p, size_t n);

/* Ends the input: delivers or rejects what is left, and rejects a file that never
 * reached its header row. */
ty_err ty_ref_reader_finish(ty_ref_reader *r);

/* What is being read: "CosIng Annex II", "CosIng Annex III", "CosIng" while (or
 * when) the annex is unknown, "Safety Gate". Static storage. */
const char *ty_ref_reader_source(const ty_ref_reader *r);

/* Data rows seen after the header (good and rejected). */
uint64_t ty_ref_reader_rows(const ty_ref_reader *r);

/* Frees the reader; *r becomes NULL. Safe on NULL. */
void ty_ref_reader_free(ty_ref_reader **r);

/*
 * CAS Registry Number check: n bytes at s, written NNNNNNN-NN-R (2 to 7 digits,
 * 2 digits, the check digit). On success writes the canonical form (leading
 * zeros of the first part dropped) to out and returns 1; returns 0 otherwise.
 */
int ty_cas_normalise(const char *s, size_t n, char out[TY_CHEMID_MAX]);

/*
 * EC number check: n bytes at s, written NNN-NNN-R with its check digit. On
 * success copies the number to out and returns 1; returns 0 otherwise.
 */
int ty_ec_normalise(const char *s, size_t n, char out[TY_CHEMID_MAX]);

#endif
