// Placeholder until the widget lands: loads without side effects on the host page.
export {};
