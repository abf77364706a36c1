"""The filter functions of ``sqlfunctions`` for PostgreSQL, as SQL and PL/pgSQL functions created
with the schema (``CREATE OR REPLACE``), under the same names so the compiler emits one text::

    for statement in FUNCTIONS:
        link.run(statement)
    # SELECT odata_like('Шлепанцы', 'Шл%')  -> true

Decimal columns are ``NUMERIC`` on PostgreSQL (exact; bigint arguments widen implicitly), dates
``YYYY-MM-DDTHH:MM:SS`` text as on SQLite; ``date_add`` clamps to the month's end as 1C does
(PostgreSQL's interval arithmetic does the same), out-of-range results are null.
"""

from __future__ import annotations

_DATE_FMT = "'YYYY-MM-DD\"T\"HH24:MI:SS'"

FUNCTIONS: list[str] = [
    """CREATE OR REPLACE FUNCTION dec_from_int(v numeric, s integer) RETURNS numeric
       LANGUAGE sql IMMUTABLE AS $$ SELECT v / (10::numeric ^ s) $$""",
    """CREATE OR REPLACE FUNCTION dec_arith(op text, a numeric, b numeric) RETURNS numeric
       LANGUAGE sql IMMUTABLE AS $$ SELECT CASE op
         WHEN 'add' THEN a + b WHEN 'sub' THEN a - b WHEN 'mul' THEN a * b
         WHEN 'div' THEN CASE WHEN b <> 0 THEN trim_scale(round((a + 0.000000000000000000000000000000000000000::numeric) / b, 38)) END
         WHEN 'mod' THEN CASE WHEN b <> 0 THEN a % b END END $$""",
    """CREATE OR REPLACE FUNCTION dec_cmp(a numeric, b numeric) RETURNS integer
       LANGUAGE sql IMMUTABLE AS $$ SELECT sign(a - b)::integer $$""",
    """CREATE OR REPLACE FUNCTION dec_eq(a numeric, b numeric) RETURNS boolean
       LANGUAGE sql IMMUTABLE AS $$ SELECT a IS NOT DISTINCT FROM b $$""",
    """CREATE OR REPLACE FUNCTION dec_neg(a numeric) RETURNS numeric
       LANGUAGE sql IMMUTABLE AS $$ SELECT -a $$""",
    """CREATE OR REPLACE FUNCTION dec_round(kind text, a numeric) RETURNS numeric
       LANGUAGE sql IMMUTABLE AS $$ SELECT CASE kind WHEN 'round' THEN round(a)
         WHEN 'floor' THEN floor(a) ELSE ceil(a) END $$""",
    """CREATE OR REPLACE FUNCTION dec_format(a numeric) RETURNS text
       LANGUAGE sql IMMUTABLE AS $$ SELECT trim_scale(a)::text $$""",
    """CREATE OR REPLACE FUNCTION dec_norm(t text) RETURNS numeric
       LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN t ~ '^ *[+-]?[0-9]+(\\.[0-9]+)? *$'
         THEN trim(t)::numeric END $$""",
    f"""CREATE OR REPLACE FUNCTION date_norm(t text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
       BEGIN
         IF t IS NULL OR t !~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}(T[0-9]{{2}}:[0-9]{{2}}(:[0-9]{{2}}(\\.[0-9]+)?)?)?$' THEN
           RETURN NULL;
         END IF;
         RETURN to_char(date_trunc('second', replace(t, 'T', ' ')::timestamp), {_DATE_FMT});
       EXCEPTION WHEN others THEN RETURN NULL;
       END $$""",
    """CREATE OR REPLACE FUNCTION date_part(part text, t text) RETURNS integer
       LANGUAGE sql IMMUTABLE AS $$ SELECT CASE part
         WHEN 'dayofweek' THEN extract(isodow FROM t::timestamp)::integer
         WHEN 'dayofyear' THEN extract(doy FROM t::timestamp)::integer END $$""",
    f"""CREATE OR REPLACE FUNCTION date_add(t text, unit text, amount numeric) RETURNS text
       LANGUAGE plpgsql IMMUTABLE AS $$
       DECLARE n bigint; r timestamp;
       BEGIN
         IF t IS NULL OR unit IS NULL OR amount IS NULL THEN RETURN NULL; END IF;
         n := trunc(amount);
         r := CASE unit
           WHEN 'second' THEN t::timestamp + make_interval(secs => n)
           WHEN 'minute' THEN t::timestamp + make_interval(mins => n::integer)
           WHEN 'hour' THEN t::timestamp + make_interval(hours => n::integer)
           WHEN 'day' THEN t::timestamp + make_interval(days => n::integer)
           WHEN 'month' THEN t::timestamp + make_interval(months => n::integer)
           WHEN 'quarter' THEN t::timestamp + make_interval(months => (n * 3)::integer)
           WHEN 'year' THEN t::timestamp + make_interval(years => n::integer) END;
         IF r IS NULL OR r < '0001-01-01'::timestamp OR r >= '10000-01-01'::timestamp THEN RETURN NULL; END IF;
         RETURN to_char(r, {_DATE_FMT});
       EXCEPTION WHEN others THEN RETURN NULL;
       END $$""",
    """CREATE OR REPLACE FUNCTION date_difference(a text, b text, unit text) RETURNS bigint
       LANGUAGE plpgsql IMMUTABLE AS $$
       DECLARE s timestamp; e timestamp; base timestamp := '0001-01-01 00:00:00';
       BEGIN
         IF a IS NULL OR b IS NULL OR unit IS NULL THEN RETURN NULL; END IF;
         s := a::timestamp; e := b::timestamp;
         RETURN CASE unit
           WHEN 'second' THEN extract(epoch FROM e - s)::bigint
           WHEN 'minute' THEN floor(extract(epoch FROM e - base) / 60) - floor(extract(epoch FROM s - base) / 60)
           WHEN 'hour' THEN floor(extract(epoch FROM e - base) / 3600) - floor(extract(epoch FROM s - base) / 3600)
           WHEN 'day' THEN floor(extract(epoch FROM e - base) / 86400) - floor(extract(epoch FROM s - base) / 86400)
           WHEN 'month' THEN (extract(year FROM e) * 12 + extract(month FROM e)) - (extract(year FROM s) * 12 + extract(month FROM s))
           WHEN 'quarter' THEN (extract(year FROM e) * 4 + (extract(month FROM e)::integer - 1) / 3)
                             - (extract(year FROM s) * 4 + (extract(month FROM s)::integer - 1) / 3)
           WHEN 'year' THEN extract(year FROM e) - extract(year FROM s) END;
       END $$""",
    """CREATE OR REPLACE FUNCTION odata_re_char(c text) RETURNS text
       LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN ascii(c) < 128 AND c !~ '^[[:alnum:]]$' THEN '\\' || c ELSE c END $$""",
    # 1C ПОДОБНО (evaluate.like_regex): % any run, _ one character, [...] / [^...] sets with
    # a-z ranges (a reversed range is empty), everything else literal; the whole value matches.
    """CREATE OR REPLACE FUNCTION odata_like(v text, template text) RETURNS boolean
       LANGUAGE plpgsql IMMUTABLE AS $$
       DECLARE out text := ''; i integer := 1; n integer; ch text; body text; j integer;
               closing integer; neg boolean; parts text; u integer := 0; pct boolean := false;
       BEGIN
         IF v IS NULL OR template IS NULL THEN RETURN NULL; END IF;
         n := length(template);
         WHILE i <= n LOOP
           ch := substr(template, i, 1);
           IF ch = '%' THEN pct := true;
           ELSIF ch = '_' THEN u := u + 1;
           ELSE
             -- a run of % and _ is "at least u characters": .{u} then .* once (300 ".*." in a
             -- row took PostgreSQL's regex engine longer than the statement timeout)
             out := out || repeat('.', u) || CASE WHEN pct THEN '.*' ELSE '' END;
             u := 0; pct := false;
           END IF;
           IF ch IN ('%', '_') THEN NULL;
           ELSIF ch = '[' AND strpos(substr(template, i + 1), ']') > 0 THEN
             closing := i + strpos(substr(template, i + 1), ']');
             body := substr(template, i + 1, closing - i - 1);
             neg := left(body, 1) = '^';
             IF neg THEN body := substr(body, 2); END IF;
             parts := ''; j := 1;
             WHILE j <= length(body) LOOP
               IF j + 2 <= length(body) AND substr(body, j + 1, 1) = '-' THEN
                 IF substr(body, j, 1) COLLATE "C" <= substr(body, j + 2, 1) COLLATE "C" THEN
                   parts := parts || odata_re_char(substr(body, j, 1)) || '-' || odata_re_char(substr(body, j + 2, 1));
                 END IF;
                 j := j + 3;
               ELSE
                 parts := parts || odata_re_char(substr(body, j, 1));
                 j := j + 1;
               END IF;
             END LOOP;
             IF parts <> '' THEN out := out || (CASE WHEN neg THEN '[^' ELSE '[' END) || parts || ']';
             ELSIF neg THEN out := out || '.';
             ELSE out := out || '(?!)';
             END IF;
             i := closing;
           ELSE out := out || odata_re_char(ch);
           END IF;
           i := i + 1;
         END LOOP;
         out := out || repeat('.', u) || CASE WHEN pct THEN '.*' ELSE '' END;
         RETURN v ~ ('^(?:' || out || ')$');
       END $$""",
]
