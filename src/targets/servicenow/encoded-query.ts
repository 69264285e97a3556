import { EncodedQueryError } from './errors.js';

/**
 * A builder for ServiceNow encoded queries (the `sysparm_query` syntax: `active=true^priority=1`).
 *
 * Conditions are joined with `^` (AND). Every value is escaped, because a `^` inside a value would
 * otherwise end the condition and start a new one: ServiceNow reads `^^` as a literal `^`
 * (GlideStringUtil.escapeQueryTermSeparator). Values that cannot be expressed safely are rejected
 * instead of being sent: line breaks, `javascript:` prefixes (which the instance would run as a
 * script) and, for `IN`, values that contain the comma separator.
 *
 * The result of `toString()` is sent as one `sysparm_query` parameter and URL-encoded as a whole
 * by the HTTP client; it is not URL-encoded here.
 *
 * Instances are immutable: each method returns a new query.
 *
 * NOTE: a condition on a field that does not exist on the table is silently dropped by the
 * instance (unless `glide.invalid_query.returns_no_rows` is true), which broadens the result.
 * Callers that must not act on a broader result check the returned values.
 *
 * @example
 * ```ts
 * const query = new EncodedQuery()
 *   .equals('active', true)
 *   .startsWith('correlation_id', 'itsm-sync:')
 *   .orderBy('sys_created_on');
 * query.toString(); // 'active=true^correlation_idSTARTSWITHitsm-sync:^ORDERBYsys_created_on'
 * ```
 */
export class EncodedQuery {
  private readonly terms: readonly string[];

  constructor(terms: readonly string[] = []) {
    this.terms = terms;
  }

  /** `field=value` */
  equals(field: string, value: QueryValue): EncodedQuery {
    return this.withCondition(field, '=', value);
  }

  /** `field!=value` */
  notEquals(field: string, value: QueryValue): EncodedQuery {
    return this.withCondition(field, '!=', value);
  }

  /** `fieldSTARTSWITHvalue` */
  startsWith(field: string, value: QueryValue): EncodedQuery {
    return this.withCondition(field, 'STARTSWITH', value);
  }

  /** `fieldLIKEvalue`: the value appears anywhere in the field. */
  like(field: string, value: QueryValue): EncodedQuery {
    return this.withCondition(field, 'LIKE', value);
  }

  /** `field>=value`. Date literals are read in the integration user's time zone by the instance. */
  greaterOrEqual(field: string, value: QueryValue): EncodedQuery {
    return this.withCondition(field, '>=', value);
  }

  /** `field>value`. Date literals are read in the integration user's time zone by the instance. */
  greaterThan(field: string, value: QueryValue): EncodedQuery {
    return this.withCondition(field, '>', value);
  }

  /** `field>value` as the `^OR` alternative of the previous condition: either one matches. */
  orGreaterThan(field: string, value: QueryValue): EncodedQuery {
    validateFieldName(field);
    return this.withAlternative(`${field}>${escapeQueryValue(field, value)}`);
  }

  /** `field<=value` as the `^OR` alternative of the previous condition. */
  orLessOrEqual(field: string, value: QueryValue): EncodedQuery {
    validateFieldName(field);
    return this.withAlternative(`${field}<=${escapeQueryValue(field, value)}`);
  }

  /**
   * `fieldSTARTSWITHa^ORfieldSTARTSWITHb`: the field starts with any of the values. `^OR` binds
   * tighter than `^`, so the alternatives form one condition.
   */
  startsWithAny(field: string, values: readonly QueryValue[]): EncodedQuery {
    validateFieldName(field);
    if (values.length === 0) {
      throw new EncodedQueryError(field, `STARTSWITH condition on "${field}" needs at least one value.`);
    }
    const [first, ...others] = values.map((value) => `${field}STARTSWITH${escapeQueryValue(field, value)}`);
    return new EncodedQuery([...this.terms, [first, ...others].join('^OR')]);
  }

  /** `field=javascript:gs.getUserID()`: the record of the user the request runs as. */
  isCurrentUser(field: string): EncodedQuery {
    validateFieldName(field);
    // The only script value this builder sends: a fixed call, with no data of ours in it.
    return this.withTerm(`${field}=javascript:gs.getUserID()`);
  }

  /**
   * `this^NQother`: records that match this query or the other one (a union of two queries).
   * Orderings belong after the last query, so add them to the result, not to the parts.
   */
  union(other: EncodedQuery): EncodedQuery {
    if (this.hasOrderBy() || other.hasOrderBy()) {
      throw new EncodedQueryError('ORDERBY', 'Add orderings to the union, not to the queries it joins.');
    }
    return new EncodedQuery([`${this.toString()}^NQ${other.toString()}`]);
  }

  /** `fieldINa,b,c`. Rejects values that contain a comma, since IN cannot express them. */
  in(field: string, values: readonly QueryValue[]): EncodedQuery {
    validateFieldName(field);

    if (values.length === 0) {
      throw new EncodedQueryError(field, `IN condition on "${field}" needs at least one value.`);
    }

    const escaped = values.map((value) => {
      const text = escapeQueryValue(field, value);

      if (text.includes(',')) {
        throw new EncodedQueryError(
          field,
          `IN condition on "${field}": the value ${JSON.stringify(text)} contains a comma, which IN ` +
            'uses as its separator. Query such values with equals() conditions instead.',
        );
      }

      return text;
    });

    return this.withTerm(`${field}IN${escaped.join(',')}`);
  }

  /** `fieldISEMPTY` */
  isEmpty(field: string): EncodedQuery {
    validateFieldName(field);
    return this.withTerm(`${field}ISEMPTY`);
  }

  /** `fieldISNOTEMPTY` */
  isNotEmpty(field: string): EncodedQuery {
    validateFieldName(field);
    return this.withTerm(`${field}ISNOTEMPTY`);
  }

  /** `ORDERBYfield`: ascending sort. Several orderings apply in the order they were added. */
  orderBy(field: string): EncodedQuery {
    validateFieldName(field);
    return this.withTerm(`ORDERBY${field}`);
  }

  /** `ORDERBYDESCfield`: descending sort. */
  orderByDesc(field: string): EncodedQuery {
    validateFieldName(field);
    return this.withTerm(`ORDERBYDESC${field}`);
  }

  /** Return a query with the conditions and orderings of both queries (AND). */
  and(other: EncodedQuery): EncodedQuery {
    return new EncodedQuery([...this.terms, ...other.terms]);
  }

  /** Check whether the query has at least one `ORDERBY` or `ORDERBYDESC` term. */
  hasOrderBy(): boolean {
    return this.terms.some((term) => term.startsWith('ORDERBY'));
  }

  /** Return the encoded query, ready to be sent as the `sysparm_query` parameter. */
  toString(): string {
    return this.terms.join('^');
  }

  private withCondition(field: string, operator: string, value: QueryValue): EncodedQuery {
    validateFieldName(field);
    return this.withTerm(`${field}${operator}${escapeQueryValue(field, value)}`);
  }

  /** Join a condition to the last term with `^OR`. */
  private withAlternative(condition: string): EncodedQuery {
    const last = this.terms.at(-1);
    if (last === undefined || last.startsWith('ORDERBY')) {
      throw new EncodedQueryError(condition, 'An ^OR condition needs a condition before it.');
    }
    return new EncodedQuery([...this.terms.slice(0, -1), `${last}^OR${condition}`]);
  }

  private withTerm(term: string): EncodedQuery {
    return new EncodedQuery([...this.terms, term]);
  }
}

/** Values a condition accepts. Numbers and booleans are sent as ServiceNow stores them: strings. */
export type QueryValue = string | number | boolean;

const FIELD_NAME = /^[a-z0-9_.]+$/;

/** Throw an EncodedQueryError unless `field` is a plain ServiceNow column name (dot-walks allowed). */
export function validateFieldName(field: string): void {
  if (!FIELD_NAME.test(field)) {
    throw new EncodedQueryError(
      field,
      `Invalid field name ${JSON.stringify(field)} in an encoded query: ServiceNow column names ` +
        'contain only lower-case letters, digits, "_" and "." (for dot-walking), such as "correlation_id".',
    );
  }
}

/**
 * Escape one value for an encoded query: `^` becomes `^^`.
 *
 * Throws an EncodedQueryError for values that no escaping makes safe: line breaks (the instance
 * cuts the query there), values starting with `javascript:` (the instance would evaluate them as a
 * server-side script), and numbers that are not finite.
 */
export function escapeQueryValue(field: string, value: QueryValue): string {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new EncodedQueryError(field, `Invalid value ${value} for "${field}": numbers must be finite.`);
  }

  const text = String(value);

  if (/[\r\n]/.test(text)) {
    throw new EncodedQueryError(
      field,
      `Invalid value ${JSON.stringify(text)} for "${field}": encoded queries cannot contain line breaks. ` +
        'Derive a single-line value (for example a hash) instead.',
    );
  }

  if (/^\s*javascript:/i.test(text)) {
    throw new EncodedQueryError(
      field,
      `Invalid value ${JSON.stringify(text)} for "${field}": ServiceNow runs query values that start ` +
        'with "javascript:" as scripts, so such values are never sent.',
    );
  }

  return text.replaceAll('^', '^^');
}
