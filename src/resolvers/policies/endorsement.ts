/** The manager's endorsement: endorseLicenseRequest and endorseLicenseRequestByLink. */
export const endorsementResolvers = [] as const;
