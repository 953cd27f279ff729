// Finding things on a page: by role, label or data-test attribute, never by layout.

export const byTest = (page, name) => page.locator(`[data-test="${name}"]`);

export const field = (page, label) => page.getByLabel(label, { exact: false });

export const button = (page, name) => page.getByRole('button', { name });

export const link = (page, name) => page.getByRole('link', { name });
