/**
 * Column helpers shared by the entities.
 *
 * Timestamps are stored as epoch milliseconds (BIGINT) on every database: the
 * same comparisons, ordering and cursor values on MySQL/MariaDB and SQLite, and
 * no session time zone to get wrong.
 */
import { ColumnOptions, JoinColumn, ManyToOne, ObjectType, ValueTransformer } from "typeorm";

export const epochMillis: ValueTransformer = {
  to: (value: Date | null | undefined) => (value == null ? value : value.getTime()),
  from: (value: string | number | null) => (value == null ? null : new Date(Number(value))),
};

export const timestampColumn = (options: ColumnOptions = {}): ColumnOptions => ({
  type: "bigint",
  transformer: epochMillis,
  ...options,
});

/**
 * A foreign key from `column` (declared separately with @Column) to the primary
 * key of `target`. Deleting or re-keying a referenced row is refused, so users,
 * products and requests that anything refers to are never lost (history stays
 * whole). The decorated property is never loaded; code reads the ID column.
 */
export function References<T>(target: () => ObjectType<T>, column: string, options: { nullable?: boolean } = {}): PropertyDecorator {
  return (prototype, property) => {
    ManyToOne(target, { nullable: options.nullable ?? false, onDelete: "RESTRICT", onUpdate: "RESTRICT", lazy: false })(prototype, property);
    JoinColumn({ name: column })(prototype, property);
  };
}
