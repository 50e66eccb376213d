export default function ValidatePage() {
  return null;
}
