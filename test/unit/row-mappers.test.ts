/**
 * Every row mapper (src/services/shared/rows.ts) reads every column of its
 * entity and nothing else: a stored field added to an entity and forgotten
 * in its mapper would otherwise read as undefined wherever the hand-written
 * statements read it (the lists, the loaders, the viewer). The type of
 * `rowMapper` refuses such a mapper already; this checks it against the
 * columns as TypeORM declares them, whatever the types say.
 */
import { getMetadataArgsStorage } from "typeorm";
import "../../src/services/loaders";
import { declaredRowMappers, int, rowMapper, text } from "../../src/services/shared/rows";
import { GroupEntity } from "../../src/entities";

const columnsOf = (entity: unknown) =>
  getMetadataArgsStorage()
    .columns.filter((column) => column.target === entity)
    .map((column) => column.propertyName)
    .sort();

describe("row mappers", () => {
  const mappers = declaredRowMappers();

  it("cover every entity the read path reads by hand", () => {
    const names = mappers.map((m) => m.entity.name).sort();
    expect(names).toEqual(
      expect.arrayContaining([
        "DecisionRecordEntity",
        "GroupEntity",
        "LicenseAssignmentEntity",
        "LicenseRequestEntity",
        "LicenseRequestRecipientEntity",
        "OrganizationEntity",
        "ProductEntity",
        "RequestProcessSettingsEntity",
        "ServicePlanEntity",
        "UserEntity",
      ]),
    );
  });

  it.each(mappers.map((m) => [m.entity.name, m] as const))("%s reads exactly its entity's columns", (_name, mapper) => {
    expect([...mapper.fields].sort()).toEqual(columnsOf(mapper.entity));
  });

  it("a mapper that leaves a column out is caught", () => {
    // The type would refuse it; a cast gets past the type, not past the check.
    const partial = rowMapper(GroupEntity, { id: int, name: text } as unknown as Parameters<typeof rowMapper<GroupEntity>>[1]);
    expect([...partial.fields].sort()).not.toEqual(columnsOf(GroupEntity));
  });
});
